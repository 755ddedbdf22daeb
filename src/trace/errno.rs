//! Error numbers by name, as strace prints them (`ECONNREFUSED (Connection refused)`).

/// The errnos a socket program meets, with their names.
const TABLE: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::EINTR, "EINTR"),
    (libc::EIO, "EIO"),
    (libc::EBADF, "EBADF"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::EMFILE, "EMFILE"),
    (libc::EPIPE, "EPIPE"),
    (libc::ENOTSOCK, "ENOTSOCK"),
    (libc::EDESTADDRREQ, "EDESTADDRREQ"),
    (libc::EMSGSIZE, "EMSGSIZE"),
    (libc::EPROTOTYPE, "EPROTOTYPE"),
    (libc::ENOPROTOOPT, "ENOPROTOOPT"),
    (libc::EPROTONOSUPPORT, "EPROTONOSUPPORT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
    (libc::EADDRINUSE, "EADDRINUSE"),
    (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
    (libc::ENETDOWN, "ENETDOWN"),
    (libc::ENETUNREACH, "ENETUNREACH"),
    (libc::ECONNABORTED, "ECONNABORTED"),
    (libc::ECONNRESET, "ECONNRESET"),
    (libc::ENOBUFS, "ENOBUFS"),
    (libc::EISCONN, "EISCONN"),
    (libc::ENOTCONN, "ENOTCONN"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::ECONNREFUSED, "ECONNREFUSED"),
    (libc::EHOSTDOWN, "EHOSTDOWN"),
    (libc::EHOSTUNREACH, "EHOSTUNREACH"),
    (libc::EALREADY, "EALREADY"),
    (libc::EINPROGRESS, "EINPROGRESS"),
];

/// The name of an errno (`ECONNREFUSED`), or `E<number>` for one outside the table.
pub fn name(code: i32) -> String {
    TABLE
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("E{code}"))
}

/// The number behind a name, for the renderers that print the message too.
pub fn code(name: &str) -> Option<i32> {
    TABLE.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
}

/// The C library's message for an errno name (`Connection refused`), as strace prints it in
/// parentheses.
pub fn message(name: &str) -> String {
    match code(name) {
        Some(c) => {
            let text = std::io::Error::from_raw_os_error(c).to_string();
            // std appends " (os error N)"; strace shows the bare message.
            match text.rfind(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_messages() {
        assert_eq!(name(libc::ECONNREFUSED), "ECONNREFUSED");
        assert_eq!(name(libc::EADDRINUSE), "EADDRINUSE");
        assert_eq!(name(9999), "E9999");
        assert_eq!(message("ECONNREFUSED"), "Connection refused");
        assert_eq!(message("EADDRINUSE"), "Address already in use");
        assert_eq!(code("EPIPE"), Some(libc::EPIPE));
    }
}
