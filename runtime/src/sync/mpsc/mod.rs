//! A multi-producer, single-consumer queue for sending values between tasks.
//!
//! Two flavours share one lock-free block queue ([`list`]) and one channel core ([`chan`]):
//!
//! - [`channel`] is bounded: senders wait (in FIFO order) while it is full, which gives backpressure.
//! - [`unbounded_channel`] never makes a sender wait.
//!
//! The receiver ends the stream with `None` once every sender is gone, or once it called
//! `close()` and the buffer drained. Dropping a pending `recv` future loses no message.
//!
//! Both receivers implement [`futures_core::Stream`] directly (Tokio needs `tokio-stream`'s wrappers
//! for that; the wrapper names exist in [`crate::sync::wrappers`] too).
//!
//! ```
//! use eddy::sync::mpsc;
//!
//! # eddy::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..4 {
//!     let tx = tx.clone();
//!     eddy::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut sum = 0;
//! while let Some(i) = rx.recv().await {
//!     sum += i;
//! }
//! assert_eq!(sum, 6);
//! # });
//! ```

mod bounded;
mod chan;
pub mod error;
mod list;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
