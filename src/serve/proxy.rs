//! The PROXY protocol (versions 1 and 2), read only when `serve` is told
//! it sits behind a load balancer that sends it (`--proxy-protocol`): the
//! header in front of the SSH stream names the client's real address, so
//! per-address caps and login throttling see the shopper, not the balancer.
//!
//! Exactly the header's bytes are read (the SSH greeting follows it), at
//! most `LONGEST` of them; anything else is refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::io::{AsyncRead, AsyncReadExt};

/// Version 2's signature.
const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Version 1's header is at most 107 bytes with its CRLF.
const LONGEST_V1: usize = 107;
/// Version 2's addresses and extensions: more is not a balancer's header.
const LONGEST_V2_BODY: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// A connection relayed for the client at this address.
    Proxied(SocketAddr),
    /// The balancer's own connection (a health check), or one whose client
    /// address it does not know: the socket's address stands.
    Local,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyError {
    #[error("the connection does not start with a PROXY protocol header")]
    Missing,
    #[error("malformed PROXY protocol header: {0}")]
    Malformed(&'static str),
    #[error("the connection closed before its PROXY protocol header ended")]
    Cut,
}

/// Reads the header at the start of `stream`.
pub async fn read_header<R: AsyncRead + Unpin>(stream: &mut R) -> Result<Header, ProxyError> {
    let mut start = [0u8; 12];
    stream.read_exact(&mut start).await.map_err(|_| ProxyError::Cut)?;
    if start == SIGNATURE {
        return read_v2(stream).await;
    }
    if start.starts_with(b"PROXY ") {
        let mut line = start.to_vec();
        while !line.ends_with(b"\r\n") {
            if line.len() >= LONGEST_V1 {
                return Err(ProxyError::Malformed("a version 1 header longer than 107 bytes"));
            }
            line.push(stream.read_u8().await.map_err(|_| ProxyError::Cut)?);
        }
        return parse_v1(&line[..line.len() - 2]);
    }
    Err(ProxyError::Missing)
}

/// `PROXY TCP4 SRC DST SPORT DPORT` (or `TCP6`, or `UNKNOWN …`), without CRLF.
fn parse_v1(line: &[u8]) -> Result<Header, ProxyError> {
    let line = std::str::from_utf8(line).map_err(|_| ProxyError::Malformed("not ASCII"))?;
    let mut words = line.split(' ');
    let (_proxy, family) = (words.next(), words.next());
    match family {
        Some("UNKNOWN") => return Ok(Header::Local),
        Some("TCP4" | "TCP6") => {}
        _ => return Err(ProxyError::Malformed("the family is not TCP4, TCP6 or UNKNOWN")),
    }
    let fields: Vec<&str> = words.collect();
    let [source, _destination, source_port, _destination_port] = fields[..] else {
        return Err(ProxyError::Malformed("a version 1 header has four fields after the family"));
    };
    let ip: IpAddr = source.parse().map_err(|_| ProxyError::Malformed("the source address"))?;
    if ip.is_ipv4() != (family == Some("TCP4")) {
        return Err(ProxyError::Malformed("the source address is not of the family named"));
    }
    // Ports are decimal without a leading zero (the specification's words).
    if source_port.len() > 1 && source_port.starts_with('0') {
        return Err(ProxyError::Malformed("the source port"));
    }
    let port: u16 = source_port.parse().map_err(|_| ProxyError::Malformed("the source port"))?;
    Ok(Header::Proxied(SocketAddr::new(ip, port)))
}

async fn read_v2<R: AsyncRead + Unpin>(stream: &mut R) -> Result<Header, ProxyError> {
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await.map_err(|_| ProxyError::Cut)?;
    let [version_command, family, high, low] = head;
    let length = usize::from(u16::from_be_bytes([high, low]));
    if version_command >> 4 != 2 {
        return Err(ProxyError::Malformed("version 2's signature with another version"));
    }
    if length > LONGEST_V2_BODY {
        return Err(ProxyError::Malformed("a version 2 header longer than 1 KiB"));
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.map_err(|_| ProxyError::Cut)?;
    match version_command & 0x0f {
        0 => return Ok(Header::Local),
        1 => {}
        _ => return Err(ProxyError::Malformed("the command is neither LOCAL nor PROXY")),
    }
    // The high nibble is the address family, the low one the transport.
    match family {
        0x11 | 0x12 if body.len() >= 12 => {
            let ip = Ipv4Addr::new(body[0], body[1], body[2], body[3]);
            Ok(Header::Proxied(SocketAddr::new(IpAddr::V4(ip), u16::from_be_bytes([body[8], body[9]]))))
        }
        0x21 | 0x22 if body.len() >= 36 => {
            let octets: [u8; 16] = body[..16].try_into().map_err(|_| ProxyError::Malformed("an IPv6 address"))?;
            let port = u16::from_be_bytes([body[32], body[33]]);
            Ok(Header::Proxied(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(octets)), port)))
        }
        0x11 | 0x12 | 0x21 | 0x22 => Err(ProxyError::Malformed("addresses shorter than their family")),
        // Unix sockets or an unspecified family: no client address to use.
        _ => Ok(Header::Local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> (Result<Header, ProxyError>, Vec<u8>) {
        let mut stream = bytes;
        let header = read_header(&mut stream).await;
        (header, stream.to_vec())
    }

    fn v2(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend([0x20 | command, family]);
        bytes.extend((body.len() as u16).to_be_bytes());
        bytes.extend(body);
        bytes
    }

    #[tokio::test]
    async fn version_1_names_the_client_and_leaves_the_ssh_greeting() {
        let (header, rest) = read(b"PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\r\nSSH-2.0-OpenSSH_9.2\r\n").await;
        assert_eq!(header, Ok(Header::Proxied("203.0.113.7:51234".parse().unwrap())));
        assert_eq!(rest, b"SSH-2.0-OpenSSH_9.2\r\n");
        let (header, _) = read(b"PROXY TCP6 2001:db8::7 2001:db8::1 4000 22\r\n").await;
        assert_eq!(header, Ok(Header::Proxied("[2001:db8::7]:4000".parse().unwrap())));
        assert_eq!(read(b"PROXY UNKNOWN\r\nSSH-2.0-x").await.0, Ok(Header::Local));
    }

    #[tokio::test]
    async fn version_2_names_the_client_and_leaves_the_ssh_greeting() {
        let mut body = vec![198, 51, 100, 9, 10, 0, 0, 1];
        body.extend(40000u16.to_be_bytes());
        body.extend(22u16.to_be_bytes());
        body.extend([0x04, 0x00, 0x01, 0xaa]); // an extension (TLV) the balancer added
        let mut bytes = v2(1, 0x11, &body);
        bytes.extend(b"SSH-2.0-x\r\n");
        let (header, rest) = read(&bytes).await;
        assert_eq!(header, Ok(Header::Proxied("198.51.100.9:40000".parse().unwrap())));
        assert_eq!(rest, b"SSH-2.0-x\r\n");
        let mut six = vec![0x20, 0x01, 0x0d, 0xb8];
        six.extend([0u8; 11]);
        six.push(7);
        six.extend([0u8; 16]);
        six.extend(5555u16.to_be_bytes());
        six.extend(22u16.to_be_bytes());
        assert_eq!(read(&v2(1, 0x21, &six)).await.0, Ok(Header::Proxied("[2001:db8::7]:5555".parse().unwrap())));
        assert_eq!(read(&v2(0, 0x00, &[])).await.0, Ok(Header::Local), "a health check");
    }

    #[tokio::test]
    async fn anything_else_is_refused() {
        assert_eq!(read(b"SSH-2.0-OpenSSH_9.2\r\n").await.0, Err(ProxyError::Missing));
        assert_eq!(read(b"PROXY TCP4 1.2").await.0, Err(ProxyError::Cut));
        let long = format!("PROXY TCP4 {}\r\n", "1".repeat(200));
        assert!(matches!(read(long.as_bytes()).await.0, Err(ProxyError::Malformed(_))));
        for bad in [
            &b"PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n"[..],
            b"PROXY TCP4 1.2.3.4 5.6.7.8 99999 22\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 022 22\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 22\r\n",
            b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
        ] {
            assert!(matches!(read(bad).await.0, Err(ProxyError::Malformed(_))), "{:?}", String::from_utf8_lossy(bad));
        }
        let mut huge = SIGNATURE.to_vec();
        huge.extend([0x21, 0x11, 0xff, 0xff]);
        assert!(matches!(read(&huge).await.0, Err(ProxyError::Malformed(_))));
        assert!(matches!(read(&v2(1, 0x11, &[1, 2, 3])).await.0, Err(ProxyError::Malformed(_))));
        let mut version_3 = SIGNATURE.to_vec();
        version_3.extend([0x31, 0x11, 0, 0]);
        assert!(matches!(read(&version_3).await.0, Err(ProxyError::Malformed(_))));
    }
}
