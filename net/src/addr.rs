//! Address resolution: `ToSocketAddrs` and `lookup_host`.
//!
//! Addresses given as IP literals resolve at once; host names go to the system resolver
//! (`getaddrinfo`, through `std`), which blocks, so that part runs on the blocking pool.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Things that can be turned into socket addresses: `SocketAddr`, `(IpAddr, u16)`, `"host:port"`,
/// `("host", port)`, slices of addresses… Mirrors `tokio::net::ToSocketAddrs` (sealed: implemented only
/// here).
pub trait ToSocketAddrs: sealed::Resolve {}

/// A resolution that is either done or must ask the system resolver.
#[doc(hidden)]
pub enum Pending {
    Done(io::Result<Vec<SocketAddr>>),
    Lookup(String),
}

pub(crate) mod sealed {
    /// How a `ToSocketAddrs` type resolves.
    pub trait Resolve {
        #[doc(hidden)]
        fn resolve(&self) -> super::Pending;
    }
}

use sealed::Resolve;

pub(crate) async fn resolve<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    match addr.resolve() {
        Pending::Done(r) => r,
        Pending::Lookup(host) => eddy_runtime::task::spawn_blocking(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&host).map(|it| it.collect())
        })
        .await
        .map_err(io::Error::from)?,
    }
}

/// Looks up the addresses of `host` (`"name:port"` or an address), with the system resolver run on the
/// blocking pool. Mirrors `tokio::net::lookup_host`.
///
/// ```no_run
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// for addr in eddy::net::lookup_host("localhost:80").await? {
///     println!("{addr}");
/// }
/// # Ok::<_, std::io::Error>(()) });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(host).await.map(Vec::into_iter)
}

macro_rules! ready_impl {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl Resolve for $t {
            fn resolve(&self) -> Pending {
                Pending::Done(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

ready_impl!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u16; 8], u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn resolve(&self) -> Pending {
        Pending::Done(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolve(&self) -> Pending {
        match self.parse::<SocketAddr>() {
            Ok(a) => Pending::Done(Ok(vec![a])),
            Err(_) => Pending::Lookup(self.to_string()),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolve(&self) -> Pending {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolve(&self) -> Pending {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Pending::Done(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Pending::Lookup(format!("{host}:{port}")),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolve(&self) -> Pending {
        (self.0.as_str(), self.1).resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn resolve(&self) -> Pending {
        (**self).resolve()
    }
}
