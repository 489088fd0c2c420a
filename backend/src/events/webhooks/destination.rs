//! Where a webhook may point: the one classifier of forbidden addresses ([`is_forbidden`]),
//! the check of a URL a client registers ([`parse_url`]), the deliverer's DNS resolver that
//! drops forbidden answers ([`CheckingResolver`]) and the check of IP-literal URLs, which are
//! connected to without the resolver ([`is_forbidden_literal`]). Why each is needed is told in
//! [`super`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::FieldError;

/// IPv4 networks no webhook may reach: not the public internet, or not reachable at all.
const FORBIDDEN_V4: [(Ipv4Addr, u8); 15] = [
    // "This network"; Linux connects 0.0.0.0 to the local host.
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    // Carrier-grade NAT, shared address space.
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    // Link-local, where cloud metadata services answer (169.254.169.254).
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    // IETF protocol assignments (DS-Lite, NAT64 discovery, …).
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    // Documentation (TEST-NET-1, -2, -3): nothing public answers there.
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    // The deprecated 6to4 relay anycast.
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    // Benchmarking, used inside data centres.
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    // Reserved, with the limited broadcast 255.255.255.255.
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 networks no webhook may reach; the ones that carry an IPv4 address are in
/// [`embedded_ipv4`] instead.
const FORBIDDEN_V6: [(Ipv6Addr, u8); 10] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    // Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on a prefix length only
    // the local operator knows, and it is never globally routed, so all of it.
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
    // Discard-only.
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    // Benchmarking.
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48),
    // Documentation (RFC 3849, RFC 9637).
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
    // Unique local, deprecated site-local, link-local, multicast.
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// Whether API clients must not make the server connect to `ip`: loopback, private, link-local,
/// site-local, unique-local, CGNAT, benchmarking, documentation, reserved, multicast,
/// broadcast, unspecified — also when written as an IPv6 address that carries such an IPv4
/// address. The one rule for registration, DNS answers and IP literals alike.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            v6.is_multicast()
                || FORBIDDEN_V6
                    .iter()
                    .any(|&(net, len)| prefix_matches(v6.to_bits(), net.to_bits(), len))
                || embedded_ipv4(v6).into_iter().flatten().any(forbidden_v4)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    FORBIDDEN_V4.iter().any(|&(net, len)| {
        prefix_matches(
            u128::from(ip.to_bits()) << 96,
            u128::from(net.to_bits()) << 96,
            len,
        )
    })
}

/// Whether the first `len` bits of `address` and `network` agree (both left-aligned).
fn prefix_matches(address: u128, network: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    address & mask == network & mask
}

/// The IPv4 addresses an IPv6 address stands for, when it is one of the forms a host, a
/// translator or a tunnel turns back into IPv4.
fn embedded_ipv4(ip: Ipv6Addr) -> [Option<Ipv4Addr>; 2] {
    let bits = ip.to_bits();
    let s = ip.segments();
    let v4 =
        |high: u16, low: u16| Some(Ipv4Addr::from_bits(u32::from(high) << 16 | u32::from(low)));
    let last = v4(s[6], s[7]);
    // IPv4-compatible ::/96 (`::127.0.0.1`, also :: and ::1), IPv4-mapped ::ffff:0:0/96,
    // IPv4-translated ::ffff:0:0:0/96 and the well-known NAT64 prefix 64:ff9b::/96.
    let last_32_bits = [
        Ipv6Addr::UNSPECIFIED,
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
        Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0),
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
    ];
    if last_32_bits
        .iter()
        .any(|net| prefix_matches(bits, net.to_bits(), 96))
    {
        return [last, None];
    }
    match s[0] {
        // 6to4 2002::/16: the IPv4 address follows the prefix.
        0x2002 => [v4(s[1], s[2]), None],
        // Teredo 2001:0::/32: the server's address, and the client's inverted in the last 32 bits.
        0x2001 if s[1] == 0 => [v4(s[2], s[3]), v4(!s[6], !s[7])],
        _ => [None, None],
    }
}

/// Checks a webhook URL as given by a client.
pub fn parse_url(text: &str, allow_private: bool) -> Result<url::Url, FieldError> {
    let url = url::Url::parse(text.trim())
        .map_err(|_| FieldError::new("url", "must be an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldError::new("url", "must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new("url", "must not carry credentials"));
    }
    let forbidden = match url.host() {
        None => return Err(FieldError::new("url", "must name a host")),
        // The url crate has already read every IPv4 spelling (`2130706433`, `0x7f.1`, `127.1`)
        // into an address, so the literal checked here is the one that would be connected to.
        Some(url::Host::Ipv4(ip)) => is_forbidden(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_forbidden(IpAddr::V6(ip)),
        // Other names are checked when they are resolved, at every delivery: their DNS answers
        // can change after registration.
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if forbidden && !allow_private {
        return Err(FieldError::new(
            "url",
            "must be a public address, not a loopback, private, link-local or reserved one",
        ));
    }
    Ok(url)
}

/// Whether `url` names an IP literal the classifier forbids. reqwest connects to those
/// without asking the resolver, so each send checks them itself.
pub fn is_forbidden_literal(url: &url::Url) -> bool {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) | None => return false,
    };
    is_forbidden(ip)
}

/// Why the deliverer's resolver refused a host name; found again in the reqwest error's causes.
#[derive(Debug, thiserror::Error)]
pub enum ResolveRefusal {
    #[error("the name did not resolve")]
    NotFound,
    #[error("the name resolves only to forbidden addresses")]
    OnlyForbidden,
}

/// The deliverer's DNS resolver: drops forbidden answers unless private destinations are
/// allowed, so a public-looking host name cannot lead the server into the internal network.
pub struct CheckingResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for CheckingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private;
        Box::pin(async move {
            // The lookup's own error says nothing the category `dns` does not.
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| ResolveRefusal::NotFound)?
                .collect();
            if found.is_empty() {
                return Err(ResolveRefusal::NotFound.into());
            }
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(ResolveRefusal::OnlyForbidden.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling of a destination that is not the public internet, as a URL host.
    const FORBIDDEN_HOSTS: &[&str] = &[
        // Loopback, and the IPv4 spellings the url crate reads as 127.0.0.1.
        "127.0.0.1",
        "127.255.255.254",
        "2130706433",
        "0x7f.1",
        "127.1",
        "0177.0.0.1",
        "0.0.0.0",
        "0.1.2.3",
        // Private, link-local (cloud metadata), CGNAT.
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.255",
        // Benchmarking, reserved and broadcast, IETF protocol assignments, 6to4 relay.
        "198.18.0.1",
        "198.19.255.255",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.1",
        "192.0.0.170",
        "192.88.99.1",
        // Documentation.
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        // Multicast.
        "224.0.0.1",
        "239.255.255.250",
        // IPv6 loopback and unspecified.
        "[::1]",
        "[::]",
        // IPv4-compatible ::/96.
        "[::127.0.0.1]",
        "[::7f00:1]",
        "[::a9fe:a9fe]",
        // IPv4-mapped ::ffff:0:0/96.
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:10.0.0.1]",
        // IPv4-translated ::ffff:0:0:0/96.
        "[::ffff:0:7f00:1]",
        "[::ffff:0:127.0.0.1]",
        "[::ffff:0:a9fe:a9fe]",
        // NAT64, well-known prefix and local-use prefix (all of it).
        "[64:ff9b::7f00:1]",
        "[64:ff9b::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b:1::7f00:1]",
        "[64:ff9b:1:7f00:1::]",
        "[64:ff9b:1::808:808]",
        // 6to4 2002::/16.
        "[2002:7f00:1::]",
        "[2002:7f00:1::1]",
        "[2002:a9fe:a9fe::]",
        "[2002:c0a8:101::1]",
        // Teredo: server 127.0.0.1; client 127.0.0.1 (inverted: 80ff:fffe); server 10.0.0.1;
        // and RFC 4380's example, whose client is 192.0.2.45 (documentation).
        "[2001:0:7f00:1::fefe:fefe]",
        "[2001:0:808:808::80ff:fffe]",
        "[2001:0:a00:1::fefe:fefe]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
        // Site-local, unique local, link-local, multicast.
        "[fec0::1]",
        "[feff::1]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[ff02::1]",
        "[ff0e::1]",
        // Documentation, discard-only, benchmarking.
        "[2001:db8::1]",
        "[3fff::1]",
        "[100::1]",
        "[2001:2::1]",
    ];

    /// Public addresses, some in the IPv6 forms that carry one, and the neighbours of
    /// forbidden ranges.
    const PUBLIC_HOSTS: &[&str] = &[
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "198.17.255.255",
        "198.20.0.1",
        "223.255.255.255",
        "192.0.1.1",
        "11.0.0.1",
        "[2a00:1450:4001:830::200e]",
        "[2606:4700:4700::1111]",
        "[2001:4860:4860::8888]",
        "[::ffff:8.8.8.8]",
        "[::ffff:0:808:808]",
        "[64:ff9b::808:808]",
        "[2002:808:808::1]",
        "[2001:0:808:808::fefe:fefe]",
    ];

    fn host_ip(host: &str) -> IpAddr {
        let url = url::Url::parse(&format!("http://{host}/")).unwrap();
        match url.host().unwrap() {
            url::Host::Ipv4(ip) => IpAddr::V4(ip),
            url::Host::Ipv6(ip) => IpAddr::V6(ip),
            url::Host::Domain(d) => panic!("{host} is read as the name {d}"),
        }
    }

    #[test]
    fn every_spelling_of_a_non_public_address_is_forbidden() {
        for host in FORBIDDEN_HOSTS {
            assert!(is_forbidden(host_ip(host)), "{host} passed");
        }
    }

    #[test]
    fn public_addresses_pass_also_inside_ipv6() {
        for host in PUBLIC_HOSTS {
            assert!(!is_forbidden(host_ip(host)), "{host} refused");
        }
    }

    #[test]
    fn teredo_client_address_is_the_inverted_last_32_bits() {
        let teredo: Ipv6Addr = "2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap();
        assert_eq!(
            embedded_ipv4(teredo),
            [
                Some(Ipv4Addr::new(65, 54, 227, 120)),
                Some(Ipv4Addr::new(192, 0, 2, 45))
            ]
        );
    }

    #[test]
    fn registration_refuses_forbidden_literals_and_localhost_names() {
        let names = ["localhost", "LOCALHOST.", "hooks.localhost"];
        for host in FORBIDDEN_HOSTS.iter().chain(&names) {
            let error = parse_url(&format!("https://{host}:8443/hook"), false).unwrap_err();
            assert_eq!(error.field, "url", "{host}");
            assert!(parse_url(&format!("https://{host}:8443/hook"), true).is_ok());
        }
        for host in PUBLIC_HOSTS.iter().chain(&["hr.example.nl"]) {
            assert!(
                parse_url(&format!("https://{host}/hook"), false).is_ok(),
                "{host}"
            );
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("ftp://example.nl/x", true).is_err());
        assert!(parse_url("not a url", true).is_err());
        assert!(parse_url("http://127.0.0.1:9/x", false).is_err());
        assert!(parse_url("http://localhost/x", false).is_err());
        assert!(parse_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(parse_url("https://hr.example.nl/hook", false).is_ok());
    }
}
