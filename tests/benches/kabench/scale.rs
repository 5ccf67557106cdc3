//! kawatch holding thousands of connections against a minimal program doing the
//! same keepalives: CPU and memory per connection.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// Children inherit it: kawatch, kaserve and the minimal program each hold
/// `KABENCH_CONNECTIONS` sockets.
pub fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}

/// kawatch holding `n` connections with a keepalive every second, against the
/// minimal program doing the same: CPU share and resident memory per connection,
/// measured over 10 s once every connection is up.
pub fn scale(bins: &Path, proto: &str, n: usize) {
    let (mut server, addr) = kaserve(bins, &[proto]);
    let url = match proto {
        "ws" => format!("ws://{addr}/"),
        _ => format!("tcp://{addr}"),
    };
    let dir = std::env::temp_dir().join(format!("kabench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.txt");
    std::fs::write(&file, format!("{url}\n").repeat(n)).unwrap();
    let mut watch = Command::new(bins.join("kawatch"))
        .args([
            "-i",
            "1s",
            "-W",
            "3s",
            "--backoff",
            "100ms..1s",
            "--targets-file",
        ])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let out = BufReader::new(watch.stdout.take().unwrap());
    let (up_tx, up_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut up = 0usize;
        for line in out.lines().map_while(Result::ok) {
            if line.contains("connecting -> up") {
                up += 1;
                if up == n {
                    let _ = up_tx.send(());
                }
            }
        }
    });
    up_rx
        .recv_timeout(Duration::from_secs(300))
        .expect("every connection up");
    let connect_time = started.elapsed();
    let (k_cpu, k_rss) = measure(watch.id());
    let _ = watch.kill();
    let _ = watch.wait();

    let mut min = Command::new(bins.join("min-watch"))
        .args([proto, &addr.to_string(), &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(min.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    let (m_cpu, m_rss) = measure(min.id());
    let _ = min.kill();
    let _ = min.wait();
    stop(&mut server);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "kawatch {proto} x{n} (all up in {:.1}s): CPU {:.1}% vs minimal {:.1}% ({:.2}x, target <= 1.5); RSS {:.1} KiB vs {:.1} KiB per connection ({:.2}x, target <= 1.5)",
        connect_time.as_secs_f64(),
        k_cpu * 100.0,
        m_cpu * 100.0,
        k_cpu / m_cpu,
        k_rss / n as f64,
        m_rss / n as f64,
        k_rss / m_rss
    );
}

/// CPU seconds (user and system) a process has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .unwrap()
        .unwrap_or(100) as f64;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which ends with ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / ticks
}

/// CPU share (of one core) over a 10 s window, and resident memory at its end, in KiB.
pub fn measure(pid: u32) -> (f64, f64) {
    let window = Duration::from_secs(10);
    let before = cpu_seconds(pid);
    std::thread::sleep(window);
    let share = (cpu_seconds(pid) - before) / window.as_secs_f64();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap();
    (share, rss)
}
