//! The vsock/vmci socket options with bad values and bad sizes: an error (EINVAL), never an
//! abort, and the option keeps its value.
//!
//! - `ZMQ_VMCI_BUFFER_SIZE`, `ZMQ_VMCI_BUFFER_MIN_SIZE`, `ZMQ_VMCI_BUFFER_MAX_SIZE`: `uint64_t`.
//!   Every value is in range for libzmq (0 leaves the kernel's default; the kernel clamps the
//!   size between min and max rather than refusing), so only a wrong size is an error.
//! - `ZMQ_VMCI_CONNECT_TIMEOUT`: `int` milliseconds; -1 (the default) and 0 leave the kernel's
//!   default, every value >= 0 is taken, anything below -1 is EINVAL.
//!
//! Once through libzmq's raw API (`zmq_setsockopt`/`zmq_getsockopt` on `as_mut_ptr()`), once
//! through the safe layer's `SocketExt`. Nothing here connects; one test binds `*:*`, which is
//! local.

use std::mem::size_of;
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::time::Duration;

use zmq_vsock::{Error, SocketExt, VmciAddr, VsockAddr};

const BUFFER_OPTIONS: [(u32, &str); 3] = [
    (zmq_sys::ZMQ_VMCI_BUFFER_SIZE, "ZMQ_VMCI_BUFFER_SIZE"),
    (
        zmq_sys::ZMQ_VMCI_BUFFER_MIN_SIZE,
        "ZMQ_VMCI_BUFFER_MIN_SIZE",
    ),
    (
        zmq_sys::ZMQ_VMCI_BUFFER_MAX_SIZE,
        "ZMQ_VMCI_BUFFER_MAX_SIZE",
    ),
];
const TIMEOUT: u32 = zmq_sys::ZMQ_VMCI_CONNECT_TIMEOUT;

/// Socket types the options are checked on: they are socket-type independent.
const SOCKET_TYPES: [zmq::SocketType; 6] = [
    zmq::PAIR,
    zmq::REQ,
    zmq::ROUTER,
    zmq::PUB,
    zmq::PULL,
    zmq::STREAM,
];

fn errno() -> c_int {
    // SAFETY: zmq_errno only reads this thread's errno.
    unsafe { zmq_sys::zmq_errno() }
}

fn set_errno(value: c_int) {
    // SAFETY: __errno_location returns this thread's errno.
    unsafe { *libc::__errno_location() = value };
}

/// `zmq_setsockopt` with `len` bytes taken from `bytes` (which is long enough); `Err(errno)`.
fn raw_set(socket: &mut zmq::Socket, option: u32, bytes: &[u8], len: usize) -> Result<(), c_int> {
    assert!(len <= bytes.len());
    set_errno(0);
    // SAFETY: the socket is live, and `bytes` holds at least `len` readable bytes.
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(
            socket.as_mut_ptr(),
            option as c_int,
            bytes.as_ptr().cast::<c_void>(),
            len,
        )
    };
    match rc {
        0 => Ok(()),
        -1 => Err(errno()),
        other => panic!("zmq_setsockopt returned {other}"),
    }
}

/// `zmq_getsockopt` into a buffer of `len` bytes; `Ok((bytes, reported length))`.
fn raw_get(socket: &mut zmq::Socket, option: u32, len: usize) -> Result<(Vec<u8>, usize), c_int> {
    // A guard byte past the buffer shows any write beyond `len`.
    let mut buffer = vec![0xa5u8; len + 1];
    let mut size = len;
    set_errno(0);
    // SAFETY: the socket is live, `buffer` has `len` writable bytes, `size` is a live local.
    let rc = unsafe {
        zmq_sys::zmq_getsockopt(
            socket.as_mut_ptr(),
            option as c_int,
            buffer.as_mut_ptr().cast::<c_void>(),
            &mut size,
        )
    };
    assert_eq!(
        buffer[len], 0xa5,
        "zmq_getsockopt wrote past the {len} bytes it was given"
    );
    buffer.truncate(len);
    match rc {
        0 => Ok((buffer, size)),
        -1 => {
            assert_eq!(size, len, "a failed zmq_getsockopt changed the length");
            Err(errno())
        }
        other => panic!("zmq_getsockopt returned {other}"),
    }
}

fn get_u64(socket: &mut zmq::Socket, option: u32) -> u64 {
    let (bytes, size) = raw_get(socket, option, 8).expect("reading a u64 option");
    assert_eq!(size, 8);
    u64::from_ne_bytes(bytes.try_into().unwrap())
}

fn get_int(socket: &mut zmq::Socket, option: u32) -> c_int {
    let (bytes, size) = raw_get(socket, option, size_of::<c_int>()).expect("reading an int option");
    assert_eq!(size, size_of::<c_int>());
    c_int::from_ne_bytes(bytes.try_into().unwrap())
}

/// Reading into buffers longer than the option. zmq_getsockopt(3) allows it ("option_len ...
/// shall be modified to indicate the actual size"), libzmq's own `uint64_t` options take it, its
/// own `int` options refuse it with EINVAL. Either is fine here; what is checked is that a
/// success reports the real size, holds the value, zeroes the rest and writes nothing beyond.
fn check_long_read(socket: &mut zmq::Socket, option: u32, value: &[u8], name: &str) {
    for len in [value.len() + 1, 8, 16, 64]
        .into_iter()
        .filter(|&len| len > value.len())
    {
        match raw_get(socket, option, len) {
            Ok((bytes, size)) => {
                assert_eq!(
                    size,
                    value.len(),
                    "{name} into {len} bytes: reported length"
                );
                assert_eq!(&bytes[..value.len()], value, "{name} into {len} bytes");
                assert!(
                    bytes[value.len()..].iter().all(|&b| b == 0),
                    "{name} into {len} bytes: {bytes:?}"
                );
            }
            Err(errno) => assert_eq!(errno, libc::EINVAL, "{name} into {len} bytes"),
        }
    }
}

fn set_u64(socket: &mut zmq::Socket, option: u32, value: u64) -> Result<(), c_int> {
    raw_set(socket, option, &value.to_ne_bytes(), 8)
}

fn set_int(socket: &mut zmq::Socket, option: u32, value: c_int) -> Result<(), c_int> {
    raw_set(socket, option, &value.to_ne_bytes(), size_of::<c_int>())
}

fn sockets() -> (zmq::Context, Vec<zmq::Socket>) {
    let ctx = zmq::Context::new();
    let sockets = SOCKET_TYPES
        .iter()
        .map(|&kind| ctx.socket(kind).expect("creating a socket"))
        .collect();
    (ctx, sockets)
}

#[test]
fn raw_buffer_options_take_every_u64_and_read_it_back() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        for (option, name) in BUFFER_OPTIONS {
            assert_eq!(get_u64(socket, option), 0, "{name} default");
            for value in [
                1u64,
                4096,
                1 << 31,
                u32::MAX as u64,
                1 << 32,
                i64::MAX as u64,
                u64::MAX,
                0,
            ] {
                assert_eq!(set_u64(socket, option, value), Ok(()), "{name} = {value}");
                assert_eq!(get_u64(socket, option), value, "{name} read back");
            }
        }
    }
}

#[test]
fn raw_buffer_options_refuse_every_other_size() {
    let (_ctx, mut sockets) = sockets();
    // Bytes of a value that would be noticed if any of it were taken.
    let bytes = [0x11u8; 64];
    for socket in &mut sockets {
        for (option, name) in BUFFER_OPTIONS {
            set_u64(socket, option, 12345).unwrap();
            for len in [0usize, 1, 2, 3, 4, 5, 6, 7, 9, 12, 16, 32, 64] {
                assert_eq!(
                    raw_set(socket, option, &bytes, len),
                    Err(libc::EINVAL),
                    "{name} with {len} bytes"
                );
                assert_eq!(
                    get_u64(socket, option),
                    12345,
                    "{name} changed by a refused set"
                );
            }
        }
    }
}

#[test]
fn raw_buffer_options_refuse_short_reads() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        for (option, name) in BUFFER_OPTIONS {
            set_u64(socket, option, 0x0102_0304_0506_0708).unwrap();
            for len in 0..8 {
                assert_eq!(
                    raw_get(socket, option, len).err(),
                    Some(libc::EINVAL),
                    "{name} into {len} bytes"
                );
            }
            check_long_read(
                socket,
                option,
                &0x0102_0304_0506_0708u64.to_ne_bytes(),
                name,
            );
        }
    }
}

#[test]
fn raw_connect_timeout_values() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        assert_eq!(get_int(socket, TIMEOUT), -1, "default");
        for value in [0, 1, 999, 1000, 1001, 60_000, i32::MAX, -1] {
            assert_eq!(set_int(socket, TIMEOUT, value), Ok(()), "{value} ms");
            assert_eq!(get_int(socket, TIMEOUT), value);
        }
        set_int(socket, TIMEOUT, 2500).unwrap();
        for value in [-2, -3, -1000, i32::MIN + 1, i32::MIN] {
            assert_eq!(
                set_int(socket, TIMEOUT, value),
                Err(libc::EINVAL),
                "{value} ms"
            );
            assert_eq!(
                get_int(socket, TIMEOUT),
                2500,
                "changed by the refused {value}"
            );
        }
    }
}

#[test]
fn raw_connect_timeout_refuses_other_sizes() {
    let (_ctx, mut sockets) = sockets();
    let bytes = [0x11u8; 64];
    // An i64 of -1 and of 2500: right value, wrong size.
    let wide = [(-1i64).to_ne_bytes(), 2500i64.to_ne_bytes()];
    for socket in &mut sockets {
        set_int(socket, TIMEOUT, 2500).unwrap();
        for len in [0usize, 1, 2, 3, 5, 6, 7, 8, 16, 64] {
            assert_eq!(
                raw_set(socket, TIMEOUT, &bytes, len),
                Err(libc::EINVAL),
                "{len} bytes"
            );
            assert_eq!(get_int(socket, TIMEOUT), 2500);
        }
        for value in &wide {
            assert_eq!(raw_set(socket, TIMEOUT, value, 8), Err(libc::EINVAL));
        }
        // A negative value below -1 in fewer bytes: still the size that is wrong.
        assert_eq!(
            raw_set(socket, TIMEOUT, &[0xfe, 0xff], 2),
            Err(libc::EINVAL)
        );
        for len in 0..size_of::<c_int>() {
            assert_eq!(
                raw_get(socket, TIMEOUT, len).err(),
                Some(libc::EINVAL),
                "read into {len} bytes"
            );
        }
        check_long_read(
            socket,
            TIMEOUT,
            &2500i32.to_ne_bytes(),
            "ZMQ_VMCI_CONNECT_TIMEOUT",
        );
        assert_eq!(get_int(socket, TIMEOUT), 2500);
    }
}

#[test]
fn raw_null_values_with_zero_length_are_refused() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        for option in BUFFER_OPTIONS
            .map(|(option, _)| option)
            .into_iter()
            .chain([TIMEOUT])
        {
            set_errno(0);
            // SAFETY: a null value of length 0 is never read.
            let rc = unsafe {
                zmq_sys::zmq_setsockopt(socket.as_mut_ptr(), option as c_int, ptr::null(), 0)
            };
            assert_eq!((rc, errno()), (-1, libc::EINVAL), "set option {option}");
            let mut size = 0usize;
            set_errno(0);
            // SAFETY: a null buffer of length 0 is never written.
            let rc = unsafe {
                zmq_sys::zmq_getsockopt(
                    socket.as_mut_ptr(),
                    option as c_int,
                    ptr::null_mut(),
                    &mut size,
                )
            };
            assert_eq!((rc, errno()), (-1, libc::EINVAL), "get option {option}");
        }
    }
}

#[test]
fn raw_null_socket_is_enotsock() {
    for option in BUFFER_OPTIONS
        .map(|(option, _)| option)
        .into_iter()
        .chain([TIMEOUT])
    {
        let value = 1u64;
        set_errno(0);
        // SAFETY: libzmq checks the socket pointer before using it.
        let rc = unsafe {
            zmq_sys::zmq_setsockopt(
                ptr::null_mut(),
                option as c_int,
                (&value as *const u64).cast(),
                8,
            )
        };
        assert_eq!((rc, errno()), (-1, libc::ENOTSOCK));
        let mut out = 0u64;
        let mut size = 8usize;
        set_errno(0);
        // SAFETY: as above.
        let rc = unsafe {
            zmq_sys::zmq_getsockopt(
                ptr::null_mut(),
                option as c_int,
                (&mut out as *mut u64).cast(),
                &mut size,
            )
        };
        assert_eq!((rc, errno()), (-1, libc::ENOTSOCK));
    }
}

#[test]
fn safe_buffer_sizes_take_every_u64() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        for value in [1u64, 4096, 1 << 32, u64::MAX, 0] {
            socket.set_vsock_buffer_size(value).unwrap();
            socket.set_vsock_buffer_min_size(value).unwrap();
            socket.set_vsock_buffer_max_size(value).unwrap();
            assert_eq!(socket.get_vsock_buffer_size().unwrap(), value);
            assert_eq!(socket.get_vsock_buffer_min_size().unwrap(), value);
            assert_eq!(socket.get_vsock_buffer_max_size().unwrap(), value);
        }
        // libzmq stores them independently: min above max is the kernel's to clamp.
        socket.set_vsock_buffer_min_size(1 << 20).unwrap();
        socket.set_vsock_buffer_max_size(1 << 10).unwrap();
        socket.set_vsock_buffer_size(u64::MAX).unwrap();
        assert_eq!(socket.get_vsock_buffer_min_size().unwrap(), 1 << 20);
        assert_eq!(socket.get_vsock_buffer_max_size().unwrap(), 1 << 10);
        assert_eq!(socket.get_vsock_buffer_size().unwrap(), u64::MAX);
    }
}

#[test]
fn safe_connect_timeout_refuses_what_libzmq_cannot_hold() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        socket
            .set_vsock_connect_timeout(Some(Duration::from_millis(2500)))
            .unwrap();
        for timeout in [
            Duration::ZERO,
            Duration::from_millis(i32::MAX as u64 + 1),
            Duration::from_millis(i32::MAX as u64) + Duration::from_nanos(1),
            Duration::from_secs(u32::MAX as u64),
            Duration::MAX,
        ] {
            match socket.set_vsock_connect_timeout(Some(timeout)) {
                Err(Error::InvalidOptionValue { option, .. }) => {
                    assert_eq!(option, "ZMQ_VMCI_CONNECT_TIMEOUT", "{timeout:?}")
                }
                other => panic!("{timeout:?}: expected InvalidOptionValue, got {other:?}"),
            }
            assert_eq!(
                socket.get_vsock_connect_timeout().unwrap(),
                Some(Duration::from_millis(2500))
            );
            assert_eq!(get_int(socket, TIMEOUT), 2500, "{timeout:?} reached libzmq");
        }
        // The extremes that fit.
        for (timeout, millis) in [
            (Duration::from_nanos(1), 1),
            (Duration::from_micros(999), 1),
            (Duration::from_millis(999), 999),
            (Duration::from_millis(1000), 1000),
            (Duration::from_millis(i32::MAX as u64), i32::MAX),
        ] {
            socket.set_vsock_connect_timeout(Some(timeout)).unwrap();
            assert_eq!(get_int(socket, TIMEOUT), millis, "{timeout:?}");
            assert_eq!(
                socket.get_vsock_connect_timeout().unwrap(),
                Some(Duration::from_millis(millis as u64))
            );
        }
        socket.set_vsock_connect_timeout(None).unwrap();
        assert_eq!(get_int(socket, TIMEOUT), -1);
        assert_eq!(socket.get_vsock_connect_timeout().unwrap(), None);
    }
}

#[test]
fn safe_connect_timeout_reads_what_raw_callers_set() {
    let (_ctx, mut sockets) = sockets();
    for socket in &mut sockets {
        set_int(socket, TIMEOUT, 0).unwrap();
        assert_eq!(
            socket.get_vsock_connect_timeout().unwrap(),
            None,
            "0 is the kernel's default"
        );
        set_int(socket, TIMEOUT, i32::MAX).unwrap();
        assert_eq!(
            socket.get_vsock_connect_timeout().unwrap(),
            Some(Duration::from_millis(i32::MAX as u64))
        );
        assert_eq!(set_int(socket, TIMEOUT, -2), Err(libc::EINVAL));
        assert_eq!(
            socket.get_vsock_connect_timeout().unwrap(),
            Some(Duration::from_millis(i32::MAX as u64))
        );
    }
}

/// The options are applied when a listener or connection is made: extreme values there must
/// still bind (the kernel clamps buffer sizes), never abort. Binding is local.
#[test]
fn binding_with_extreme_options_does_not_abort() {
    let ctx = zmq::Context::new();
    let cases: [(u64, u64, u64, Option<Duration>); 4] = [
        (
            u64::MAX,
            u64::MAX,
            u64::MAX,
            Some(Duration::from_millis(i32::MAX as u64)),
        ),
        // min above max, size above both.
        (
            u64::MAX,
            1 << 20,
            1 << 10,
            Some(Duration::from_millis(1000)),
        ),
        (1, 1, 1, Some(Duration::from_millis(999))),
        (0, 0, 0, None),
    ];
    for (size, min, max, timeout) in cases {
        let mut socket = ctx.socket(zmq::PULL).unwrap();
        socket.set_linger(0).unwrap();
        socket.set_vsock_buffer_max_size(max).unwrap();
        socket.set_vsock_buffer_min_size(min).unwrap();
        socket.set_vsock_buffer_size(size).unwrap();
        socket.set_vsock_connect_timeout(timeout).unwrap();
        let bound = match socket.bind_vsock(&VsockAddr::any(0).any_port()) {
            Ok(bound) => bound,
            Err(Error::Io { error, .. }) if error.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
                assert!(!zmq_vsock_testkit::is_ci(), "no AF_VSOCK in CI: {error}");
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: binding_with_extreme_options_does_not_abort: no AF_VSOCK"
                );
                return;
            }
            Err(other) => panic!("binding with {size}/{min}/{max}/{timeout:?}: {other}"),
        };
        assert!(!bound.is_wildcard_port());
        assert_eq!(socket.unbind_last_endpoint().unwrap(), bound.to_string());
        let bound = socket
            .bind_vmci(&VmciAddr::any(0).any_port())
            .unwrap_or_else(|e| panic!("binding vmci with {size}/{min}/{max}/{timeout:?}: {e}"));
        assert!(!bound.is_wildcard_port());
        assert_eq!(socket.unbind_last_endpoint().unwrap(), bound.to_string());
    }
}
