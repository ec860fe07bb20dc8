//! Files inside the project directory: confining a path to it, and reading the start of a
//! text file (the `fs_read_file` host function behind the `read_file` tool).
//!
//! Confinement is checked twice: lexically (a relative path whose `..` climbs out, or an
//! absolute path elsewhere, is refused before anything is touched) and after the file
//! system has resolved symlinks (`canonicalize`), so a symlink pointing out of the project is
//! refused too.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Component, Path, PathBuf};

use exomonad_protocol::abi::{AbiError, ErrorCode, FileText};

/// Why a path or a file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path leaves the project directory.
    #[error("{0} is outside the project directory")]
    Outside(String),
    /// Nothing is there.
    #[error("{0} does not exist")]
    NotFound(String),
    /// A directory, not a file.
    #[error("{0} is a directory, not a file")]
    Directory(String),
    /// Not a regular file: a FIFO, a socket or a device, which could block a reader forever
    /// or act on being opened.
    #[error("{0} is a {1}, not a regular file; read_file only reads regular files")]
    NotRegular(String, &'static str),
    /// The file holds NUL bytes.
    #[error("{0} is a binary file ({1} bytes); read_file only reads text")]
    Binary(String, u64),
    /// The file is not UTF-8.
    #[error("{0} is not UTF-8 text (invalid byte at offset {1})")]
    NotUtf8(String, usize),
    /// Any other I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

impl FileError {
    /// As an ABI error: `not_found` for a missing file, `bad_input` for a refused path or
    /// file, `host_function` for I/O failures.
    pub fn to_abi(&self) -> AbiError {
        let code = match self {
            FileError::NotFound(_) => ErrorCode::NotFound,
            FileError::Io { .. } => ErrorCode::HostFunction,
            _ => ErrorCode::BadInput,
        };
        AbiError::new(code, self.to_string())
    }
}

/// Resolves `path` (relative to `root`, or absolute) to an existing path strictly inside or
/// equal to `root`, symlinks resolved. `None` means `root` itself.
///
/// # Errors
/// [`FileError::Outside`] when the path leaves `root` lexically or through a symlink,
/// [`FileError::NotFound`] when it does not exist.
pub fn confine(root: &Path, path: Option<&str>) -> Result<PathBuf, FileError> {
    let shown = path.unwrap_or(".").to_owned();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let root = root.canonicalize().map_err(io)?;
    let Some(path) = path else {
        return Ok(root);
    };
    let given = Path::new(path);
    let joined = if given.is_absolute() {
        given.to_path_buf()
    } else {
        root.join(given)
    };
    if !lexically_inside(&root, &joined) {
        return Err(FileError::Outside(shown));
    }
    let real = joined.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound(shown.clone()),
        _ => io(e),
    })?;
    if !real.starts_with(&root) {
        return Err(FileError::Outside(shown));
    }
    Ok(real)
}

/// What a file that is not a regular file is (`"FIFO"`, `"socket"`, `"device"`,
/// `"directory"`); `None` for a regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("directory")
    } else if t.is_fifo() {
        Some("FIFO")
    } else if t.is_socket() {
        Some("socket")
    } else if t.is_block_device() || t.is_char_device() {
        Some("device")
    } else {
        Some("special file")
    }
}

/// Whether `path` (absolute) stays inside `root` once `.` and `..` are applied by name.
fn lexically_inside(root: &Path, path: &Path) -> bool {
    let mut normal = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !normal.pop() {
                    return false;
                }
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal.starts_with(root)
}

/// Reads the start of the text file `path` inside `root`: whole lines, at most `max_lines`
/// of them and at most [`FileText::MAX_BYTES`] bytes.
///
/// Only regular files are read: a FIFO, socket or device is refused before it is opened, and
/// the file is opened without blocking (`O_NONBLOCK`) and checked again on the open handle,
/// so one swapped in between is refused too and never blocks the tool call.
///
/// # Errors
/// [`FileError`]: outside the project, missing, a directory, not a regular file, binary (a
/// NUL byte in what was read), not UTF-8, or an I/O failure.
pub fn read_text(root: &Path, path: &str, max_lines: Option<u32>) -> Result<FileText, FileError> {
    let real = confine(root, Some(path))?;
    let shown = path.to_owned();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let meta = real.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(FileError::Directory(shown));
    }
    if let Some(kind) = not_regular(&meta) {
        return Err(FileError::NotRegular(shown, kind));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&real)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(kind) = not_regular(&meta) {
        return Err(FileError::NotRegular(shown, kind));
    }
    let size = meta.len();
    let mut bytes = Vec::with_capacity(size.min(FileText::MAX_BYTES as u64 + 1) as usize);
    file.take(FileText::MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.contains(&0) {
        return Err(FileError::Binary(shown, size));
    }
    let mut cut_by_size = false;
    if bytes.len() > FileText::MAX_BYTES {
        cut_by_size = true;
        bytes.truncate(FileText::MAX_BYTES);
        // Whole lines only: drop the partial last line (a line longer than the limit is
        // kept cut, at a character boundary below).
        if let Some(nl) = bytes.iter().rposition(|&b| b == b'\n') {
            bytes.truncate(nl + 1);
        }
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        // A cut through a multi-byte character at the very end is ours, not the file's.
        Err(e) if cut_by_size && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid prefix")
        }
        Err(e) => return Err(FileError::NotUtf8(shown, e.valid_up_to())),
    };
    let mut lines = 0u32;
    let mut end = 0usize;
    for line in text.split_inclusive('\n') {
        if max_lines.is_some_and(|max| lines >= max) {
            break;
        }
        lines += 1;
        end += line.len();
    }
    let rel = real
        .strip_prefix(root.canonicalize().map_err(io)?)
        .unwrap_or(&real);
    Ok(FileText {
        path: rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        text: text[..end].to_owned(),
        lines,
        truncated: (end as u64) < size,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn project() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "one\ntwo\nthree\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s3cret\n").unwrap();
        (dir, root)
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let (_d, root) = project();
        let fifo = root.join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let r = root.clone();
        std::thread::spawn(move || {
            let _ = tx.send(
                read_text(&r, "pipe", None)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("read_file on a FIFO blocked");
        let e = got.unwrap_err();
        assert!(e.contains("is a FIFO, not a regular file"), "{e}");
    }

    #[test]
    fn reads_lines_and_counts_them() {
        let (_d, root) = project();
        let f = read_text(&root, "src/a.rs", None).unwrap();
        assert_eq!(
            (f.text.as_str(), f.lines, f.truncated),
            ("one\ntwo\nthree\n", 3, false)
        );
        assert_eq!((f.path.as_str(), f.size), ("src/a.rs", 14));
        let f = read_text(&root, "./src/../src/a.rs", Some(2)).unwrap();
        assert_eq!(
            (f.text.as_str(), f.lines, f.truncated),
            ("one\ntwo\n", 2, true)
        );
        let abs = root.join("src/a.rs");
        assert_eq!(
            read_text(&root, abs.to_str().unwrap(), Some(1))
                .unwrap()
                .text,
            "one\n"
        );
    }

    #[test]
    fn paths_out_of_the_project_are_refused() {
        let (d, root) = project();
        for p in [
            "../secret.txt",
            "src/../../secret.txt",
            "../proj/../secret.txt",
            "/etc/passwd",
        ] {
            assert!(
                matches!(read_text(&root, p, None), Err(FileError::Outside(_))),
                "{p}"
            );
        }
        // Also when the target does not exist: no probing outside.
        assert!(matches!(
            read_text(&root, "../nope", None),
            Err(FileError::Outside(_))
        ));
        std::os::unix::fs::symlink(d.path().join("secret.txt"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(d.path(), root.join("src/up")).unwrap();
        for p in ["link", "src/up/secret.txt"] {
            let e = read_text(&root, p, None).unwrap_err();
            assert!(matches!(e, FileError::Outside(_)), "{p}: {e}");
            assert!(!e.to_string().contains("s3cret"));
        }
        // A symlink that stays inside is fine.
        std::os::unix::fs::symlink(root.join("src/a.rs"), root.join("alias")).unwrap();
        assert_eq!(read_text(&root, "alias", Some(1)).unwrap().path, "src/a.rs");
    }

    #[test]
    fn missing_directories_binary_and_non_utf8_are_errors() {
        let (_d, root) = project();
        let e = read_text(&root, "nope.txt", None).unwrap_err();
        assert_eq!(e.to_abi().code, ErrorCode::NotFound);
        assert!(matches!(
            read_text(&root, "src", None),
            Err(FileError::Directory(_))
        ));
        std::fs::write(root.join("img.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        assert!(matches!(
            read_text(&root, "img.png", None),
            Err(FileError::Binary(_, 16))
        ));
        std::fs::write(root.join("latin1.txt"), b"caf\xe9\n").unwrap();
        let e = read_text(&root, "latin1.txt", None).unwrap_err();
        assert!(matches!(e, FileError::NotUtf8(_, 3)), "{e}");
        assert_eq!(e.to_abi().code, ErrorCode::BadInput);
    }

    #[test]
    fn a_file_with_a_non_utf8_name_is_listed_lossily_but_others_still_read() {
        let (_d, root) = project();
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
        std::fs::write(root.join(name), "x\n").unwrap();
        // The name cannot be given exactly in JSON; its lossy form is not found, cleanly.
        let e = read_text(&root, "bad\u{FFFD}name", None).unwrap_err();
        assert!(matches!(e, FileError::NotFound(_)), "{e}");
        let dir = std::ffi::OsStr::from_bytes(b"d\xfe");
        std::fs::create_dir(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("in.txt"), "ok\n").unwrap();
        let real = root.join(dir).join("in.txt");
        // Reached through an inside symlink with a UTF-8 name, its path shows lossily.
        std::os::unix::fs::symlink(&real, root.join("ok-link")).unwrap();
        let f = read_text(&root, "ok-link", None).unwrap();
        assert_eq!(
            (f.text.as_str(), f.path.as_str()),
            ("ok\n", "d\u{FFFD}/in.txt")
        );
    }

    #[test]
    fn oversized_files_are_cut_at_a_line_boundary() {
        let (_d, root) = project();
        let line = "é".repeat(99) + "\n"; // 199 bytes
        let body = line.repeat(FileText::MAX_BYTES / line.len() + 10);
        std::fs::write(root.join("big.txt"), &body).unwrap();
        let f = read_text(&root, "big.txt", None).unwrap();
        assert!(f.truncated);
        assert!(f.text.len() <= FileText::MAX_BYTES && f.text.ends_with('\n'));
        assert_eq!(f.lines as usize, f.text.len() / line.len());
        assert_eq!(f.size as usize, body.len());
        // One line longer than the limit: cut inside it, at a character boundary.
        std::fs::write(root.join("one.txt"), "é".repeat(FileText::MAX_BYTES)).unwrap();
        let f = read_text(&root, "one.txt", None).unwrap();
        assert!(f.truncated && f.text.len() == FileText::MAX_BYTES && f.lines == 1);
    }
}
