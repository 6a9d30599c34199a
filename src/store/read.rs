//! Reading a data file safely: only a regular file, never through a
//! symlink, never more than a size limit, never blocking on a FIFO.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::error::LoadError;

/// Largest data file Shopfront reads: a million products with descriptions
/// take about 260 MB, so this leaves room four times over.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The bytes of `dir/name`; `None` if there is no such file.
pub fn read_data_file(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, LoadError> {
    Ok(read_data_file_found(dir, name)?.map(|(bytes, _)| bytes))
}

/// `read_data_file`, with what `stat` said of the very file that was read
/// (not of whatever holds its name by the time it is asked).
pub fn read_data_file_found(dir: &Path, name: &str) -> Result<Option<(Vec<u8>, std::fs::Metadata)>, LoadError> {
    let refuse = |message: String| LoadError::whole_file(name, message);
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(dir.join(name));
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // ELOOP: O_NOFOLLOW met a symlink.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(refuse(symlink_message())),
        Err(e) => return Err(refuse(format!("cannot read: {e}"))),
    };
    let meta = file.metadata().map_err(|e| refuse(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(format!("is not a regular file ({}); Shopfront reads only plain files", kind_of(&meta))));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(too_big(meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while read: never take more than the limit.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| refuse(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(too_big(bytes.len() as u64)));
    }
    Ok(Some((bytes, meta)))
}

/// Refuses a symlink where a data file belongs (also a dangling one, which
/// must not be mistaken for a missing file and seeded over).
pub fn check_not_symlink(dir: &Path, name: &str) -> Result<(), LoadError> {
    match std::fs::symlink_metadata(dir.join(name)) {
        Ok(meta) if meta.file_type().is_symlink() => Err(LoadError::whole_file(name, symlink_message())),
        _ => Ok(()),
    }
}

fn symlink_message() -> String {
    "is a symbolic link; Shopfront replaces data files by renaming, which would detach the link from its \
     target — put the file itself in the data folder (or point --data-dir at the folder that holds it)"
        .to_string()
}

fn too_big(len: u64) -> String {
    format!("is {} MiB; Shopfront reads data files of up to {} MiB", len >> 20, MAX_FILE_BYTES >> 20)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a plain file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_data_file(dir.path(), "orders.json").unwrap(), None);
        std::fs::write(dir.path().join("products.json"), b"[]").unwrap();
        assert_eq!(read_data_file(dir.path(), "products.json").unwrap(), Some(b"[]".to_vec()));

        let fifo = std::ffi::CString::new(dir.path().join("orders.json").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let err = read_data_file(dir.path(), "orders.json").unwrap_err().to_string();
        assert_eq!(err, "orders.json: is not a regular file (a named pipe); Shopfront reads only plain files");

        std::os::unix::fs::symlink("/dev/zero", dir.path().join("carts.json")).unwrap();
        let err = read_data_file(dir.path(), "carts.json").unwrap_err().to_string();
        assert!(err.starts_with("carts.json: is a symbolic link;"), "{err}");
        std::fs::create_dir(dir.path().join("users.json")).unwrap();
        let err = read_data_file(dir.path(), "users.json").unwrap_err().to_string();
        assert!(err.contains("(a folder)"), "{err}");

        std::os::unix::fs::symlink("nowhere", dir.path().join("dangling")).unwrap();
        assert!(check_not_symlink(dir.path(), "dangling").is_err());
        assert!(check_not_symlink(dir.path(), "products.json").is_ok());
        assert!(check_not_symlink(dir.path(), "missing.json").is_ok());
    }

    #[test]
    fn refuses_files_over_the_limit_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join("orders.json")).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: no disk used
        let err = read_data_file(dir.path(), "orders.json").unwrap_err().to_string();
        assert_eq!(err, "orders.json: is 1024 MiB; Shopfront reads data files of up to 1024 MiB");
    }
}
