//! Links our zmq-sys as a dependent crate would, through rust-zmq, and checks
//! the library it got. See tests/linked.rs.
