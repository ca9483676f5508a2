//! TCP: `TcpListener`, `TcpStream` and its split halves.

mod listener;
mod socket;
pub mod split;
pub mod split_owned;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::TcpStream;
