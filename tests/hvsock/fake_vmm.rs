//! A fake hybrid vsock VMM: the host side of Firecracker's vsock device, on unix sockets.
//!
//! It listens at PATH. For each connection it reads the request line (`CONNECT <port>\n`, byte
//! by byte, at most 64 bytes) and answers as [`Answer`] says. Its "guests" are zmq sockets
//! bound at `ipc://DIR/guest_<port>` (DIR: PATH's directory): routing a request connects there,
//! and when nothing listens it closes the stream, as a VMM does when no guest listens.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Firecracker numbers its host-side ports from 2^30 up.
pub const OK_REPLY: &[u8] = b"OK 1073741824\n";

/// How the fake VMM answers a request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Connect to the guest's `guest_<port>` socket: `OK 1073741824\n` and a splice when it is
    /// there (sent in one write with the first bytes the guest sent, so a connecter that reads
    /// past the '\n' would eat its ZMTP greeting); close the stream when it is not.
    Route,
    /// Close the stream without a reply.
    Close,
    /// Write these bytes, then hold the stream open, saying nothing more.
    Reply(Vec<u8>),
    /// Hold the stream open and never answer.
    Silent,
}

struct Shared {
    answer: Mutex<Answer>,
    requests: Mutex<Vec<Vec<u8>>>,
    held: Mutex<Vec<UnixStream>>,
    piggybacked: AtomicUsize,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct FakeVmm {
    path: PathBuf,
    /// The listening socket, to wake the accept loop when stopping.
    listener: UnixListener,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FakeVmm {
    /// Listens at `path` (its guests' sockets go beside it).
    pub fn start(path: &Path, answer: Answer) -> FakeVmm {
        let listener =
            UnixListener::bind(path).unwrap_or_else(|e| panic!("bind {}: {e}", path.display()));
        let shared = Arc::new(Shared {
            answer: Mutex::new(answer),
            requests: Mutex::new(Vec::new()),
            held: Mutex::new(Vec::new()),
            piggybacked: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let guests = path.parent().expect("a directory").to_path_buf();
        let wake = listener.try_clone().unwrap();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    };
                    let shared = Arc::clone(&shared);
                    let guests = guests.clone();
                    std::thread::spawn(move || serve(stream, &shared, &guests));
                }
            })
        };
        FakeVmm {
            path: path.to_path_buf(),
            listener: wake,
            shared,
            thread: Some(thread),
        }
    }

    pub fn set_answer(&self, answer: Answer) {
        *lock(&self.shared.answer) = answer;
    }

    /// Every request line read so far, as sent.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        lock(&self.shared.requests).clone()
    }

    /// How many routed connections had guest bytes in the reply's write.
    pub fn piggybacked(&self) -> usize {
        self.shared.piggybacked.load(Ordering::SeqCst)
    }

    /// The endpoint a guest service on vsock port `port` binds.
    pub fn guest_endpoint(&self, port: u32) -> String {
        super::support::ipc(&guest_path(self.path.parent().unwrap(), port))
    }
}

impl Drop for FakeVmm {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop (Linux fails a blocked accept on a listener shut down), which
        // then sees `stop`; works even when the socket file is already gone.
        // SAFETY: shutdown(2) on a descriptor this value owns.
        unsafe { libc::shutdown(self.listener.as_raw_fd(), libc::SHUT_RDWR) };
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        lock(&self.shared.held).clear();
        let _ = std::fs::remove_file(&self.path);
    }
}

fn guest_path(dir: &Path, port: u32) -> PathBuf {
    dir.join(format!("guest_{port}"))
}

fn serve(mut stream: UnixStream, shared: &Shared, guests: &Path) {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8];
    while line.len() < 64 && !line.ends_with(b"\n") {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => return,
        }
    }
    lock(&shared.requests).push(line.clone());
    let port = std::str::from_utf8(&line)
        .ok()
        .and_then(|l| l.strip_prefix("CONNECT "))
        .and_then(|l| l.strip_suffix('\n'))
        .and_then(|p| p.parse::<u32>().ok());
    let Some(port) = port else { return };
    let answer = lock(&shared.answer).clone();
    match answer {
        Answer::Close => {}
        Answer::Silent => lock(&shared.held).push(stream),
        Answer::Reply(bytes) => {
            let _ = stream.write_all(&bytes);
            lock(&shared.held).push(stream);
        }
        Answer::Route => {
            let Ok(mut guest) = UnixStream::connect(guest_path(guests, port)) else {
                return; // nothing listens on that guest port: the VMM closes
            };
            // The guest's greeting, to send in the same write as the reply.
            guest
                .set_read_timeout(Some(Duration::from_secs(1)))
                .unwrap();
            let mut first = vec![0u8; 64];
            let n = match guest.read(&mut first) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
                Err(_) => return,
            };
            let mut reply = OK_REPLY.to_vec();
            reply.extend_from_slice(&first[..n]);
            if n > 0 {
                shared.piggybacked.fetch_add(1, Ordering::SeqCst);
            }
            if stream.write_all(&reply).is_err() {
                return;
            }
            guest.set_read_timeout(None).unwrap();
            stream.set_read_timeout(None).unwrap();
            splice(stream, guest);
        }
    }
}

/// Copies both ways until each side closes, as the VMM does between host and guest.
fn splice(host: UnixStream, guest: UnixStream) {
    let (mut host_in, mut guest_out) = (host.try_clone().unwrap(), guest.try_clone().unwrap());
    let upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut host_in, &mut guest_out);
        let _ = guest_out.shutdown(Shutdown::Write);
    });
    let (mut guest_in, mut host_out) = (guest, host);
    let _ = std::io::copy(&mut guest_in, &mut host_out);
    let _ = host_out.shutdown(Shutdown::Write);
    let _ = upstream.join();
}
