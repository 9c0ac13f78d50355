//! Raw stream-socket baselines: the same bytes as the ZeroMQ runs, over a
//! plain AF_VSOCK or TCP stream, with no ZeroMQ in between.
//!
//! Framing: every message is an 8-byte little-endian length followed by the
//! body. Throughput: a writer thread and a reader thread, one connection,
//! the same message count as the ZeroMQ run; the writer coalesces small
//! messages in a user-space buffer of `io_buf` bytes (ZeroMQ batches them
//! too) and writes a message that does not fit with one writev (header +
//! body), so `io_buf` 1 writes every message on its own (a flood of small
//! packets). The reader reads through a buffer of `read_buf` bytes (8 KiB,
//! libzmq's in_batch_size, by default): what that holds of a body is copied
//! out of it, and the rest of a body that does not fit is read straight into
//! the message buffer, as libzmq's decoder does. A bigger reader buffer makes
//! the raw baseline copy big messages twice (at 64 KiB messages a 64 KiB
//! reader buffer costs the baseline a third of its throughput here).
//! Latency: one write per message (header and body in one buffer), the peer
//! echoes it.
//!
//! vsock sockets get the same SO_VM_SOCKETS_BUFFER_* settings as the ZeroMQ
//! run they are compared with, on both ends, before bind/connect (a socket
//! accepted from the listener inherits the listener's).

use std::fs::File;
use std::io::{self, BufReader, IoSlice, Read, Write};
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::pin::{self, Sides};
use crate::stats::{CpuStat, ThrSample};

// linux/vm_sockets.h; the libc crate does not define them.
const SO_VM_SOCKETS_BUFFER_SIZE: libc::c_int = 0;
const SO_VM_SOCKETS_BUFFER_MAX_SIZE: libc::c_int = 2;

/// Length value that tells a ping-pong server to stop.
const STOP: u64 = u64::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RawKind {
    Vsock,
    Tcp,
}

/// A connected stream, either kind.
enum Stream {
    Vsock(File),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Vsock(f) => f.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Vsock(f) => f.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Vsock(f) => f.write_vectored(bufs),
            Stream::Tcp(s) => s.write_vectored(bufs),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Listener {
    Vsock(OwnedFd, u32),
    Tcp(TcpListener),
}

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn set_u64(fd: RawFd, level: libc::c_int, name: libc::c_int, value: u64) -> io::Result<()> {
    let rc = unsafe {
        libc::setsockopt(fd, level, name, &value as *const u64 as *const libc::c_void, mem::size_of::<u64>() as libc::socklen_t)
    };
    cvt(rc).map(|_| ())
}

/// Maximum first, then the size, as our libzmq does (a size above the
/// default maximum would otherwise be clamped).
fn set_vsock_buffer(fd: RawFd, buffer: Option<u64>) -> io::Result<()> {
    if let Some(bytes) = buffer {
        set_u64(fd, libc::AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, bytes)?;
        set_u64(fd, libc::AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, bytes)?;
    }
    Ok(())
}

/// SO_RCVTIMEO / SO_SNDTIMEO, so that a stalled run fails instead of hanging
/// (SO_RCVTIMEO also bounds accept).
fn set_timeouts(fd: RawFd, timeout: Duration) -> io::Result<()> {
    let tv = libc::timeval { tv_sec: timeout.as_secs() as libc::time_t, tv_usec: timeout.subsec_micros() as libc::suseconds_t };
    for name in [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO] {
        let rc = unsafe {
            libc::setsockopt(fd, libc::SOL_SOCKET, name, &tv as *const libc::timeval as *const libc::c_void, mem::size_of::<libc::timeval>() as libc::socklen_t)
        };
        cvt(rc)?;
    }
    Ok(())
}

fn vsock_socket() -> io::Result<OwnedFd> {
    let fd = cvt(unsafe { libc::socket(libc::AF_VSOCK, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) })?;
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn sockaddr_vm(cid: u32, port: u32) -> libc::sockaddr_vm {
    let mut addr: libc::sockaddr_vm = unsafe { mem::zeroed() };
    addr.svm_family = libc::AF_VSOCK as libc::sa_family_t;
    addr.svm_cid = cid;
    addr.svm_port = port;
    addr
}

impl Listener {
    fn bind(kind: RawKind, buffer: Option<u64>, timeout: Duration) -> io::Result<Listener> {
        match kind {
            RawKind::Vsock => {
                let fd = vsock_socket()?;
                set_vsock_buffer(fd.as_raw_fd(), buffer)?;
                set_timeouts(fd.as_raw_fd(), timeout)?;
                let addr = sockaddr_vm(libc::VMADDR_CID_ANY, libc::VMADDR_PORT_ANY);
                cvt(unsafe {
                    libc::bind(fd.as_raw_fd(), &addr as *const _ as *const libc::sockaddr, mem::size_of::<libc::sockaddr_vm>() as libc::socklen_t)
                })?;
                cvt(unsafe { libc::listen(fd.as_raw_fd(), 16) })?;
                let mut bound: libc::sockaddr_vm = unsafe { mem::zeroed() };
                let mut len = mem::size_of::<libc::sockaddr_vm>() as libc::socklen_t;
                cvt(unsafe { libc::getsockname(fd.as_raw_fd(), &mut bound as *mut _ as *mut libc::sockaddr, &mut len) })?;
                Ok(Listener::Vsock(fd, bound.svm_port))
            }
            RawKind::Tcp => {
                let l = TcpListener::bind("127.0.0.1:0")?;
                set_timeouts(l.as_raw_fd(), timeout)?;
                Ok(Listener::Tcp(l))
            }
        }
    }

    /// What a peer connects to: the port (vsock, at CID 1) or the TCP port.
    fn port(&self) -> io::Result<u32> {
        match self {
            Listener::Vsock(_, port) => Ok(*port),
            Listener::Tcp(l) => Ok(l.local_addr()?.port() as u32),
        }
    }

    fn accept(&self, timeout: Duration) -> io::Result<Stream> {
        match self {
            Listener::Vsock(fd, _) => {
                let s = cvt(unsafe { libc::accept4(fd.as_raw_fd(), std::ptr::null_mut(), std::ptr::null_mut(), libc::SOCK_CLOEXEC) })?;
                let s = unsafe { OwnedFd::from_raw_fd(s) };
                set_timeouts(s.as_raw_fd(), timeout)?;
                Ok(Stream::Vsock(File::from(s)))
            }
            Listener::Tcp(l) => {
                let (s, _) = l.accept()?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                Ok(Stream::Tcp(s))
            }
        }
    }
}

/// Connects to the listener's port: vsock at VMADDR_CID_LOCAL (1) only,
/// after the safety guard; TCP at 127.0.0.1 only.
fn connect(kind: RawKind, port: u32, buffer: Option<u64>, timeout: Duration) -> io::Result<Stream> {
    match kind {
        RawKind::Vsock => {
            let cid = libc::VMADDR_CID_LOCAL;
            zmq_vsock_testkit::guard_connect(cid).map_err(io::Error::other)?;
            let fd = vsock_socket()?;
            set_vsock_buffer(fd.as_raw_fd(), buffer)?;
            set_timeouts(fd.as_raw_fd(), timeout)?;
            let addr = sockaddr_vm(cid, port);
            cvt(unsafe {
                libc::connect(fd.as_raw_fd(), &addr as *const _ as *const libc::sockaddr, mem::size_of::<libc::sockaddr_vm>() as libc::socklen_t)
            })?;
            Ok(Stream::Vsock(File::from(fd)))
        }
        RawKind::Tcp => {
            let s = TcpStream::connect(("127.0.0.1", port as u16))?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(timeout))?;
            s.set_write_timeout(Some(timeout))?;
            Ok(Stream::Tcp(s))
        }
    }
}

/// Writes every slice completely (std's write_all_vectored is unstable).
fn write_all_vectored(w: &mut impl Write, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match w.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Length-prefixed messages into a stream, small ones coalesced.
struct FrameWriter<'a> {
    inner: &'a mut Stream,
    pending: Vec<u8>,
    cap: usize,
}

impl<'a> FrameWriter<'a> {
    fn new(inner: &'a mut Stream, cap: usize) -> Self {
        FrameWriter { inner, pending: Vec::with_capacity(cap + 8), cap }
    }

    fn write_msg(&mut self, body: &[u8]) -> io::Result<()> {
        let header = (body.len() as u64).to_le_bytes();
        if self.pending.len() + header.len() + body.len() > self.cap {
            if header.len() + body.len() > self.cap {
                // Too big to buffer: pending bytes, header and body in one writev.
                self.pending.extend_from_slice(&header);
                let mut slices = [IoSlice::new(&self.pending), IoSlice::new(body)];
                write_all_vectored(self.inner, &mut slices)?;
                self.pending.clear();
                return Ok(());
            }
            self.flush()?;
        }
        self.pending.extend_from_slice(&header);
        self.pending.extend_from_slice(body);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.inner.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

fn read_msg(r: &mut impl Read, body: &mut Vec<u8>) -> io::Result<u64> {
    let mut header = [0u8; 8];
    r.read_exact(&mut header)?;
    let len = u64::from_le_bytes(header);
    if len == STOP {
        return Ok(len);
    }
    if body.len() < len as usize {
        body.resize(len as usize, 0);
    }
    r.read_exact(&mut body[..len as usize])?;
    Ok(len)
}


/// What a raw link is made of.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub kind: RawKind,
    /// vsock only: SO_VM_SOCKETS_BUFFER_MAX_SIZE then _SIZE on both ends;
    /// `None` leaves the kernel default (256 KiB).
    pub buffer: Option<u64>,
    pub size: usize,
    /// Coalescing buffer of the throughput writer, in bytes.
    pub io_buf: usize,
    /// Buffer the throughput reader reads through, in bytes.
    pub read_buf: usize,
    pub timeout: Duration,
    /// CPUs of the two sides (`None`: not pinned).
    pub sides: Option<Sides>,
}

/// A throughput connection kept open across bursts: a writer thread sends
/// each burst's messages, the caller's thread reads them and times them.
pub struct ThrLink {
    reader: Option<BufReader<Stream>>,
    body: Vec<u8>,
    size: usize,
    cmd: Option<mpsc::Sender<u64>>,
    writer: Option<thread::JoinHandle<Result<(), String>>>,
}

impl ThrLink {
    pub fn open(p: &Params) -> Result<ThrLink, String> {
        // The caller's thread reads: the receiving side.
        pin::pin(pin::receiver(p.sides));
        let listener = Listener::bind(p.kind, p.buffer, p.timeout).map_err(|e| format!("raw listener: {e}"))?;
        let port = listener.port().map_err(|e| format!("raw listener port: {e}"))?;
        let (cmd_tx, cmd_rx) = mpsc::channel::<u64>();
        let p2 = *p;
        let writer = thread::spawn(move || -> Result<(), String> {
            pin::pin(pin::sender(p2.sides));
            let mut stream = connect(p2.kind, port, p2.buffer, p2.timeout).map_err(|e| format!("raw connect: {e}"))?;
            let body = vec![0x5au8; p2.size];
            let mut w = FrameWriter::new(&mut stream, p2.io_buf);
            while let Ok(count) = cmd_rx.recv() {
                for i in 0..count {
                    w.write_msg(&body).map_err(|e| format!("raw write of message {i}: {e}"))?;
                }
                w.flush().map_err(|e| format!("raw write: {e}"))?;
            }
            Ok(())
        });
        let mut link = ThrLink { reader: None, body: vec![0u8; p.size], size: p.size, cmd: Some(cmd_tx), writer: Some(writer) };
        match listener.accept(p.timeout) {
            Ok(stream) => {
                link.reader = Some(BufReader::with_capacity(p.read_buf.max(16), stream));
                Ok(link)
            }
            Err(e) => Err(format!("raw accept: {e}{}", link.writer_error())),
        }
    }

    /// The writer's error, once it has stopped (for failure reports).
    fn writer_error(&mut self) -> String {
        self.cmd.take();
        self.reader.take();
        match self.writer.take().map(|w| w.join()) {
            Some(Ok(Err(e))) => format!(" (writer: {e})"),
            Some(Err(_)) => " (writer panicked)".to_string(),
            _ => String::new(),
        }
    }

    /// One burst of `count` messages, timed from the first to the last.
    pub fn burst(&mut self, count: u64, cpus: usize) -> Result<ThrSample, String> {
        let result = self.burst_inner(count, cpus);
        result.map_err(|e| format!("{e}{}", self.writer_error()))
    }

    fn burst_inner(&mut self, count: u64, cpus: usize) -> Result<ThrSample, String> {
        let (Some(cmd), Some(reader)) = (self.cmd.as_ref(), self.reader.as_mut()) else {
            return Err("link is closed".to_string());
        };
        cmd.send(count).map_err(|_| "raw writer has stopped".to_string())?;
        let size = self.size;
        let check = |len: u64, i: u64| {
            if len as usize == size {
                Ok(())
            } else {
                Err(format!("raw message {i} has {len} bytes, not {size}"))
            }
        };
        let len = read_msg(reader, &mut self.body).map_err(|e| format!("raw read of the first message: {e}"))?;
        check(len, 0)?;
        let cpu0 = CpuStat::read();
        let t0 = Instant::now();
        for i in 1..count {
            let len = read_msg(reader, &mut self.body).map_err(|e| format!("raw read of message {i} of {count}: {e}"))?;
            check(len, i)?;
        }
        let secs = t0.elapsed().as_secs_f64();
        let cpu1 = CpuStat::read();
        Ok(ThrSample { messages: count - 1, size, secs, busy_cpus: cpu0.busy_cpus(&cpu1, cpus) })
    }
}

impl Drop for ThrLink {
    fn drop(&mut self) {
        // Closing the reader first makes a writer stuck in write() fail.
        let _ = self.writer_error();
    }
}

/// A ping-pong connection kept open across bursts: an echo thread bounces
/// every message back; the caller's thread times each round trip.
pub struct LatLink {
    client: Option<BufReader<Stream>>,
    frame: Vec<u8>,
    body: Vec<u8>,
    size: usize,
    server: Option<thread::JoinHandle<Result<(), String>>>,
}

impl LatLink {
    pub fn open(p: &Params) -> Result<LatLink, String> {
        let listener = Listener::bind(p.kind, p.buffer, p.timeout).map_err(|e| format!("raw listener: {e}"))?;
        let port = listener.port().map_err(|e| format!("raw listener port: {e}"))?;
        let (timeout, sides) = (p.timeout, p.sides);
        // The caller's thread is the client: the sending side.
        pin::pin(pin::sender(p.sides));
        let server = thread::spawn(move || -> Result<(), String> {
            pin::pin(pin::receiver(sides));
            let stream = listener.accept(timeout).map_err(|e| format!("raw accept: {e}"))?;
            drop(listener);
            let mut reader = BufReader::with_capacity(64 << 10, stream);
            let mut body = Vec::new();
            let mut frame = Vec::new();
            loop {
                let len = match read_msg(&mut reader, &mut body) {
                    Ok(len) => len,
                    // The client closed without a stop message: a failed run.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                    Err(e) => return Err(format!("raw echo read: {e}")),
                };
                if len == STOP {
                    return Ok(());
                }
                frame.clear();
                frame.extend_from_slice(&len.to_le_bytes());
                frame.extend_from_slice(&body[..len as usize]);
                reader.get_mut().write_all(&frame).map_err(|e| format!("raw echo write: {e}"))?;
            }
        });
        let mut frame = (p.size as u64).to_le_bytes().to_vec();
        frame.resize(8 + p.size, 0x5a);
        let mut link = LatLink { client: None, frame, body: vec![0u8; p.size], size: p.size, server: Some(server) };
        match connect(p.kind, port, p.buffer, p.timeout) {
            Ok(stream) => {
                link.client = Some(BufReader::with_capacity(64 << 10, stream));
                Ok(link)
            }
            Err(e) => Err(format!("raw connect: {e}")),
        }
    }

    /// Round trips until `duration` has passed (and at least `min` were
    /// made); returns each one's time in nanoseconds.
    pub fn burst(&mut self, duration: Duration, min: usize) -> Result<Vec<u64>, String> {
        let Some(client) = self.client.as_mut() else {
            return Err("link is closed".to_string());
        };
        let mut rtts = Vec::new();
        let start = Instant::now();
        while rtts.len() < min || start.elapsed() < duration {
            let t = Instant::now();
            client.get_mut().write_all(&self.frame).map_err(|e| format!("raw ping write: {e}"))?;
            let len = read_msg(client, &mut self.body).map_err(|e| format!("raw pong read: {e}"))?;
            let rtt = t.elapsed();
            if len as usize != self.size {
                return Err(format!("raw pong has {len} bytes, not {}", self.size));
            }
            rtts.push(rtt.as_nanos() as u64);
        }
        Ok(rtts)
    }
}

impl Drop for LatLink {
    fn drop(&mut self) {
        if let Some(mut client) = self.client.take() {
            let _ = client.get_mut().write_all(&STOP.to_le_bytes());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}
