//! The ZMQ_VMCI_* socket options: set, read back, and applied to the kernel
//! socket with the right SO_VM_SOCKETS_* option, for both schemes. The
//! listener's descriptor comes from the LISTENING monitor event, and the test
//! asks the kernel what it holds. Binds only.

use std::os::raw::{c_int, c_void};

use zmq_sys::{ZMQ_VMCI_BUFFER_MAX_SIZE, ZMQ_VMCI_BUFFER_MIN_SIZE, ZMQ_VMCI_BUFFER_SIZE, ZMQ_VMCI_CONNECT_TIMEOUT};

// linux/vm_sockets.h; option level is the address family.
const AF_VSOCK: c_int = 40;
const SO_VM_SOCKETS_BUFFER_SIZE: c_int = 0;
const SO_VM_SOCKETS_BUFFER_MIN_SIZE: c_int = 1;
const SO_VM_SOCKETS_BUFFER_MAX_SIZE: c_int = 2;
const SO_VM_SOCKETS_CONNECT_TIMEOUT: c_int = 6;

fn set<T>(socket: &mut zmq::Socket, option: u32, value: T) -> Result<(), zmq::Error> {
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(socket.as_mut_ptr(), option as c_int, &value as *const T as *const c_void, std::mem::size_of::<T>())
    };
    if rc == 0 { Ok(()) } else { Err(zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() })) }
}

fn get<T: Default>(socket: &mut zmq::Socket, option: u32) -> T {
    let mut value = T::default();
    let mut size = std::mem::size_of::<T>();
    let rc = unsafe { zmq_sys::zmq_getsockopt(socket.as_mut_ptr(), option as c_int, &mut value as *mut T as *mut c_void, &mut size) };
    assert_eq!(rc, 0, "zmq_getsockopt({option})");
    value
}

fn kernel_option<T: Default>(fd: c_int, name: c_int) -> T {
    let mut value = T::default();
    let mut size = std::mem::size_of::<T>() as libc::socklen_t;
    let rc = unsafe { libc::getsockopt(fd, AF_VSOCK, name, &mut value as *mut T as *mut c_void, &mut size) };
    assert_eq!(rc, 0, "getsockopt({name}): {}", std::io::Error::last_os_error());
    value
}

/// Binds a wildcard endpoint and returns the listening descriptor, from the
/// LISTENING event (its value is the fd).
fn bind_and_get_listener_fd(ctx: &zmq::Context, socket: &mut zmq::Socket, scheme: &str) -> c_int {
    let monitor_endpoint = format!("inproc://monitor-{scheme}-{:p}", socket.as_mut_ptr());
    socket.monitor(&monitor_endpoint, zmq::SocketEvent::LISTENING as i32).unwrap();
    let monitor = ctx.socket(zmq::PAIR).unwrap();
    monitor.connect(&monitor_endpoint).unwrap();
    socket.bind(&format!("{scheme}://*:*")).unwrap();
    monitor.set_rcvtimeo(5000).unwrap();
    let event = monitor.recv_bytes(0).expect("LISTENING event");
    let _endpoint = monitor.recv_bytes(0).unwrap();
    assert_eq!(u16::from_le_bytes([event[0], event[1]]), zmq::SocketEvent::LISTENING as u16);
    i32::from_le_bytes([event[2], event[3], event[4], event[5]])
}

#[test]
fn buffer_sizes_reach_the_kernel_in_an_order_that_does_not_clamp() {
    let ctx = zmq::Context::new();
    for scheme in ["vsock", "vmci"] {
        let mut socket = ctx.socket(zmq::PULL).unwrap();
        // 1 MiB is above the kernel's default maximum (256 KiB): set before
        // the new maximum it would be clamped.
        set(&mut socket, ZMQ_VMCI_BUFFER_SIZE, 1u64 << 20).unwrap();
        set(&mut socket, ZMQ_VMCI_BUFFER_MIN_SIZE, 128u64 << 10).unwrap();
        set(&mut socket, ZMQ_VMCI_BUFFER_MAX_SIZE, 4u64 << 20).unwrap();
        assert_eq!(get::<u64>(&mut socket, ZMQ_VMCI_BUFFER_SIZE), 1 << 20);
        assert_eq!(get::<u64>(&mut socket, ZMQ_VMCI_BUFFER_MIN_SIZE), 128 << 10);
        assert_eq!(get::<u64>(&mut socket, ZMQ_VMCI_BUFFER_MAX_SIZE), 4 << 20);

        let fd = bind_and_get_listener_fd(&ctx, &mut socket, scheme);
        assert_eq!(kernel_option::<u64>(fd, SO_VM_SOCKETS_BUFFER_SIZE), 1 << 20, "{scheme}");
        assert_eq!(kernel_option::<u64>(fd, SO_VM_SOCKETS_BUFFER_MIN_SIZE), 128 << 10, "{scheme}");
        assert_eq!(kernel_option::<u64>(fd, SO_VM_SOCKETS_BUFFER_MAX_SIZE), 4 << 20, "{scheme}");
    }
}

#[test]
fn connect_timeouts_of_a_second_or_more_are_encoded_as_seconds_and_microseconds() {
    let ctx = zmq::Context::new();
    for scheme in ["vsock", "vmci"] {
        let mut socket = ctx.socket(zmq::PULL).unwrap();
        set(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT, 2500 as c_int).unwrap();
        assert_eq!(get::<c_int>(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT), 2500);
        // libzmq 4.3.5 put 2,500,000 in tv_usec; the kernel refuses that and
        // libzmq aborted. Ours binds, and the kernel holds 2.5 s.
        let fd = bind_and_get_listener_fd(&ctx, &mut socket, scheme);
        let timeout: libc::timeval = kernel_option_timeval(fd);
        assert_eq!((timeout.tv_sec, timeout.tv_usec), (2, 500_000), "{scheme}");
    }
}

fn kernel_option_timeval(fd: c_int) -> libc::timeval {
    let mut value = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let mut size = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    let rc = unsafe { libc::getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &mut value as *mut _ as *mut c_void, &mut size) };
    assert_eq!(rc, 0, "getsockopt(CONNECT_TIMEOUT): {}", std::io::Error::last_os_error());
    value
}

#[test]
fn option_values_of_the_wrong_size_are_einval_not_an_abort() {
    let ctx = zmq::Context::new();
    let mut socket = ctx.socket(zmq::PULL).unwrap();
    assert_eq!(set(&mut socket, ZMQ_VMCI_BUFFER_SIZE, 7u32), Err(zmq::Error::EINVAL));
    assert_eq!(set(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT, 7u64), Err(zmq::Error::EINVAL));
}

#[test]
fn connect_timeout_below_minus_one_is_einval_and_minus_one_is_the_default() {
    let ctx = zmq::Context::new();
    let mut socket = ctx.socket(zmq::PULL).unwrap();
    assert_eq!(set(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT, -5 as c_int), Err(zmq::Error::EINVAL));
    assert_eq!(get::<c_int>(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT), -1, "the refused value was not stored");
    set(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT, 1500 as c_int).unwrap();
    set(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT, -1 as c_int).unwrap();
    assert_eq!(get::<c_int>(&mut socket, ZMQ_VMCI_CONNECT_TIMEOUT), -1);
}
