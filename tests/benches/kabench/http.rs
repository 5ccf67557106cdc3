//! HTTP: kaping's reported p50 for a request on a kept-alive connection against a
//! minimal hyper client loop on the same responder, alternated; and the one-probe
//! cron check against `curl -s -o /dev/null` (Debian's curl), side by side.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};

use super::*;

pub fn http_round_trips(bins: &Path, rounds: usize, probes: usize) {
    let (mut server, addr) = kaserve(bins, &["http"]);
    let url = format!("http://{addr}/");
    compare(
        "http request",
        rounds,
        || kaping_p50(bins, &url, probes, &[]),
        &mut [("minimal hyper client loop", &mut || {
            hyper_get_p50(addr, probes)
        })],
    );
    cron_check(bins, &url);
    cron_against_curl(bins, &url);
    stop(&mut server);
}

/// hyper's HTTP/1.1 client connection alone: GET, the body to its end, under the
/// timeout.
pub fn hyper_get_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (mut send, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut next = tokio::time::Instant::now();
        for _ in 0..probes {
            tokio::time::sleep_until(next).await;
            next += INTERVAL;
            let req = ::http::Request::get("/")
                .header("host", addr.to_string())
                .body(Empty::<Bytes>::new())
                .unwrap();
            let started = Instant::now();
            tokio::time::timeout(TIMEOUT, async {
                send.ready().await.unwrap();
                let response = send.send_request(req).await.unwrap();
                assert!(response.status().is_success());
                response.into_body().collect().await.unwrap();
            })
            .await
            .expect("a response in time");
            hist.record(started.elapsed().as_nanos() as u64).unwrap();
        }
        micros(&hist)
    })
}

/// `kaping -c 1 -q http://` against `curl -s -o /dev/null`, alternated.
fn cron_against_curl(bins: &Path, url: &str) {
    let have_curl = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_curl {
        println!("http cron check against curl: SKIPPED (no curl: apt-get install curl)");
        return;
    }
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        ours.push(one_check(bins, url));
        let started = Instant::now();
        let status = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "--fail", url])
            .status()
            .unwrap();
        assert!(status.success(), "curl failed");
        theirs.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (k, c) = (median(&mut ours), median(&mut theirs));
    let curl_rss = peak_rss(&["curl", "-s", "-o", "/dev/null", url]);
    let kaping_rss = peak_rss(&[bins.join("kaping").to_str().unwrap(), "-c", "1", "-q", url]);
    println!(
        "http cron check, 20 alternated runs: kaping {k:.2} ms, curl -s -o /dev/null {c:.2} ms, ratio {:.3}; peak RSS kaping {:.1} MiB, curl {:.1} MiB",
        k / c,
        kaping_rss / 1024.0,
        curl_rss / 1024.0
    );
}
