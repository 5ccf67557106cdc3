//! The smallest program that holds N connections and keeps each alive every second,
//! with tokio-tungstenite (ws) or a line echo (tcp) alone: what kabench compares
//! kawatch's CPU and memory with. Prints `ready` once every connection is open.
//!
//! `min-watch ws 127.0.0.1:7071 10000`

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (proto, addr, count) = (
        args[1].clone(),
        args[2].parse::<SocketAddr>().unwrap(),
        args[3].parse::<usize>().unwrap(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        for i in 0..count {
            let (proto, ready) = (proto.clone(), ready_tx.clone());
            tokio::spawn(async move {
                // Spread the keepalives over the second, as kawatch's schedules are.
                let offset =
                    Duration::from_micros((i as u64 * 1_000_000 / count as u64) % 1_000_000);
                let tcp = loop {
                    match tokio::net::TcpStream::connect(addr).await {
                        Ok(tcp) => break tcp,
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                tcp.set_nodelay(true).unwrap();
                if proto == "ws" {
                    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
                        .await
                        .unwrap();
                    let _ = ready.send(());
                    let mut tick = every_second(offset);
                    loop {
                        tick.tick().await;
                        ws.send(Message::Ping(b"min".to_vec().into()))
                            .await
                            .unwrap();
                        let pong = tokio::time::timeout(Duration::from_secs(3), async {
                            while let Some(Ok(msg)) = ws.next().await {
                                if msg.is_pong() {
                                    return;
                                }
                            }
                        });
                        let _ = pong.await;
                    }
                } else {
                    let (read, mut write) = tcp.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = ready.send(());
                    let mut tick = every_second(offset);
                    loop {
                        tick.tick().await;
                        write.write_all(b"PING\n").await.unwrap();
                        let _ =
                            tokio::time::timeout(Duration::from_secs(3), lines.next_line()).await;
                    }
                }
            });
        }
        drop(ready_tx);
        for _ in 0..count {
            ready_rx.recv().await;
        }
        println!("ready");
        std::future::pending::<()>().await;
    });
}

/// A tick a second, the first after `offset`.
fn every_second(offset: Duration) -> tokio::time::Interval {
    tokio::time::interval_at(tokio::time::Instant::now() + offset, Duration::from_secs(1))
}
