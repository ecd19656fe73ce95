//! Requests to URLs that strangers gave us: WebSub callbacks. Left unguarded, a hub lets
//! anyone make it send requests into the network it runs in (its database, its cloud's
//! metadata service, an admin page on loopback). A [`Guard`] allows only public addresses,
//! checked where the connection is made: the resolver drops every address the guard
//! refuses (so a name cannot resolve to a public address when checked and a private one
//! when used), and every redirect's target is checked the same way.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// Which addresses requests may go to.
#[derive(Clone, Copy)]
pub struct Guard {
    allow: fn(IpAddr) -> bool,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guard")
    }
}

impl Guard {
    /// Public addresses only, unless `allow_private` (`[push] allow_private_callbacks`).
    pub fn new(allow_private: bool) -> Guard {
        if allow_private {
            Guard { allow: |_| true }
        } else {
            Guard { allow: is_public }
        }
    }

    /// A guard with its own rule (tests use one that refuses a single loopback address).
    pub fn with(allow: fn(IpAddr) -> bool) -> Guard {
        Guard { allow }
    }

    /// Whether requests may go to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        (self.allow)(ip)
    }

    /// Checks a URL before a request: http or https, and a host that is an allowed
    /// address or a name with at least one allowed address.
    pub async fn check(&self, url: &url::Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{url}: only http and https URLs are allowed"));
        }
        match url.host() {
            None => Err(format!("{url}: no host")),
            Some(url::Host::Ipv4(ip)) => self.literal(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.literal(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0))
                    .await
                    .map_err(|e| format!("{name} does not resolve: {e}"))?
                    .collect();
                if addrs.iter().any(|a| self.allows(a.ip())) {
                    Ok(())
                } else {
                    Err(format!(
                        "{name} resolves only to private, loopback or link-local addresses"
                    ))
                }
            }
        }
    }

    fn literal(&self, ip: IpAddr) -> Result<(), String> {
        if self.allows(ip) {
            Ok(())
        } else {
            Err(format!("{ip} is a private, loopback or link-local address"))
        }
    }

    /// An HTTP client that connects only where the guard allows, on redirects too.
    pub fn client(&self, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        // See `fetch::Fetcher::new`: rustls needs its crypto provider before a client is built.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let guard = *self;
        reqwest::Client::builder()
            .user_agent(crate::config::default_user_agent())
            .timeout(timeout)
            .connect_timeout(timeout)
            .dns_resolver(Arc::new(GuardedResolver(guard)))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                let refused = match attempt.url().host() {
                    Some(url::Host::Ipv4(ip)) => guard.literal(IpAddr::V4(ip)).err(),
                    Some(url::Host::Ipv6(ip)) => guard.literal(IpAddr::V6(ip)).err(),
                    Some(url::Host::Domain(_)) => None,
                    None => Some("a redirect without a host".to_string()),
                };
                match refused {
                    Some(why) => attempt.error(format!("redirect refused: {why}")),
                    None if !matches!(attempt.url().scheme(), "http" | "https") => {
                        attempt.error("redirect to a URL that is not http or https")
                    }
                    None => attempt.follow(),
                }
            }))
            .build()
    }
}

/// The system resolver, keeping only the addresses the guard allows.
struct GuardedResolver(Guard);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                all.into_iter().filter(|a| guard.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{host} resolves only to private, loopback or link-local addresses"
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, unique
/// local), link-local, shared (CGNAT), unspecified, broadcast, multicast, documentation,
/// benchmarking or reserved; IPv4-mapped and NAT64 IPv6 addresses are judged by their
/// IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let o = v6.octets();
                return is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // 2001:db8::/32, documentation.
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                // ::/96 (IPv4-compatible, deprecated) and the rest of ::/8.
                || v6.octets()[0] == 0
                || v6 == Ipv6Addr::UNSPECIFIED)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        // 0.0.0.0/8 ("this network"), 100.64.0.0/10 (shared, CGNAT), 192.0.0.0/24
        // (protocol assignments), 198.18.0.0/15 (benchmarking), 240.0.0.0/4 (reserved).
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ] {
            assert!(
                !is_public(private.parse().unwrap()),
                "{private} taken as public"
            );
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "2a00:1450:4001:80b::200e",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(
                is_public(public.parse().unwrap()),
                "{public} taken as private"
            );
        }
    }

    /// A server on 127.0.0.1 answering every request with `answer`.
    async fn server(answer: &'static str) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(answer.as_bytes()).await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn names_literals_and_redirects_to_refused_addresses_are_not_requested() {
        // Loopback stands in for the public internet, except 127.0.0.2 and ::1.
        let guard = Guard::with(|ip| ip != IpAddr::from([127, 0, 0, 2]) && !ip.is_ipv6());
        let ok =
            server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
        let port = ok.port();
        let client = guard.client(Duration::from_secs(5)).unwrap();
        let get = |u: String| {
            let client = client.clone();
            async move { client.get(u).send().await.map(|r| r.status().as_u16()) }
        };
        assert_eq!(get(format!("http://127.0.0.1:{port}/")).await.unwrap(), 200);
        // `localhost` resolves to 127.0.0.1 (allowed) and ::1 (dropped).
        assert_eq!(get(format!("http://localhost:{port}/")).await.unwrap(), 200);
        guard
            .check(&format!("http://localhost:{port}/").parse().unwrap())
            .await
            .unwrap();
        assert_eq!(
            guard
                .check(&format!("http://127.0.0.2:{port}/").parse().unwrap())
                .await
                .unwrap_err(),
            "127.0.0.2 is a private, loopback or link-local address"
        );
        assert_eq!(
            guard
                .check(&format!("http://[::1]:{port}/").parse().unwrap())
                .await
                .unwrap_err(),
            "::1 is a private, loopback or link-local address"
        );
        assert_eq!(
            guard
                .check(&"ftp://127.0.0.1/".parse().unwrap())
                .await
                .unwrap_err(),
            "ftp://127.0.0.1/: only http and https URLs are allowed"
        );
        // A redirect from an allowed server to a refused address is not followed.
        let to_private = Box::leak(
            format!(
                "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:{port}/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .into_boxed_str(),
        );
        let redirecting = server(to_private).await;
        let err = get(format!("http://127.0.0.1:{}/", redirecting.port()))
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert!(
            format!("{err:?}").contains("127.0.0.2 is a private, loopback or link-local address"),
            "{err:?}"
        );
        // A name whose every address is refused is not connected to.
        let only_v6 = Guard::with(|ip| !ip.is_loopback());
        let err = only_v6
            .client(Duration::from_secs(5))
            .unwrap()
            .get(format!("http://localhost:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert!(
            format!("{err:?}")
                .contains("localhost resolves only to private, loopback or link-local addresses"),
            "{err:?}"
        );
    }
}
