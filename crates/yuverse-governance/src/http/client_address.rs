//! The client's address when the platform sits behind reverse proxies.
//!
//! Sign-in is rate-limited per client address and the audit log records it, so behind a proxy
//! that address must be the client's, not the proxy's: otherwise every citizen shares one
//! limit and every audit entry names the proxy. Only proxies named in `--trusted-proxies` are
//! believed; a client reaching the platform directly cannot name an address of its choosing.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// Reverse proxies whose `X-Forwarded-For` is believed. Empty (the default): the TCP peer is
/// the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// The client's address as resolved through trusted proxies, kept with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl TrustedProxies {
    /// Addresses (`10.0.0.5`, `::1`) or networks (`10.0.0.0/8`); an item that is neither is
    /// named in the error.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<TrustedProxies, String> {
        items
            .iter()
            .map(|item| {
                let item = item.as_ref().trim();
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "`{item}` is neither an IP address nor a network such as 10.0.0.0/8"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: the peer itself unless it is a trusted proxy; then, walking
    /// `X-Forwarded-For` from its right end (each proxy appends the address it was reached
    /// from), the first address that is not a trusted proxy. When every address is one, the
    /// leftmost; an entry that is not an address ends the walk at the one before it, since no
    /// proxy writes such a thing and what lies left of it cannot be believed.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = peer;
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded_for.rev() {
            let Ok(hop) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = hop;
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// Middleware, installed only when proxies are trusted: records the [`ClientAddress`] of each
/// request (the extractors read it before the TCP peer).
pub async fn resolve_client_address(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let hops = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        let client = proxies.client(peer.ip(), hops);
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn resolve(proxies: &TrustedProxies, peer: &str, header: &str) -> IpAddr {
        proxies.client(ip(peer), header.split(',').filter(|h| !h.is_empty()))
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.7"]).unwrap();
        // A client talking directly cannot choose its address.
        assert_eq!(
            resolve(&proxies, "203.0.113.9", "198.51.100.1"),
            ip("203.0.113.9")
        );
        // Through one proxy: the address it saw.
        assert_eq!(
            resolve(&proxies, "10.1.2.3", "198.51.100.1"),
            ip("198.51.100.1")
        );
        // Through a chain of proxies, whatever the client put at the left is skipped.
        assert_eq!(
            resolve(&proxies, "10.1.2.3", "1.2.3.4, 198.51.100.1, 192.168.1.7"),
            ip("198.51.100.1")
        );
        // Only proxies in the header: the leftmost of them.
        assert_eq!(resolve(&proxies, "10.1.2.3", "10.9.9.9"), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(resolve(&proxies, "10.1.2.3", ""), ip("10.1.2.3"));
        // Garbage ends the walk at the last address a trusted proxy vouched for.
        assert_eq!(
            resolve(&proxies, "10.1.2.3", "198.51.100.1, unknown"),
            ip("10.1.2.3")
        );
        // An IPv4 peer seen on a dual-stack socket.
        assert_eq!(
            resolve(&proxies, "::ffff:10.1.2.3", "2001:db8::1"),
            ip("2001:db8::1")
        );
        // Nothing trusted: always the peer.
        let none = TrustedProxies::default();
        assert_eq!(resolve(&none, "10.1.2.3", "198.51.100.1"), ip("10.1.2.3"));
    }

    #[test]
    fn a_bad_item_is_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(err.contains("`proxy.local`"), "{err}");
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["::1", "fd00::/8"]).is_ok());
    }
}
