use std::io::Write;

use tracing_subscriber::EnvFilter;

/// Sets up structured logs once; `RUST_LOG` overrides the default level.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // No colours: their escape codes would be escaped like anyone else's.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| Escaping(std::io::stderr()));
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Writes each log line with the control characters inside it escaped (`\n`, `\x1b`, …), so a
/// value someone sent (a query, a form field in an error) can neither forge a line nor send
/// escape codes to a terminal; only the line's own end stays a newline. The formatter hands
/// over each event whole, in one write.
struct Escaping<W>(W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (body, end) = match buf.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (buf, &b""[..]),
        };
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in body {
            match b {
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.push(b'\t'),
                0..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                _ => out.push(b),
            }
        }
        out.extend_from_slice(end);
        self.0.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_value_cannot_forge_a_line() {
        let mut out = Escaping(Vec::new());
        out.write_all(b"INFO bad request: status x\nINFO forged\r \x1b[31m\n")
            .unwrap();
        out.write_all("ещё строка\n".as_bytes()).unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert_eq!(
            text,
            "INFO bad request: status x\\nINFO forged\\r \\x1b[31m\nещё строка\n"
        );
        assert_eq!(text.lines().count(), 2);
    }
}
