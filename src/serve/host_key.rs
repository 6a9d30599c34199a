//! The server's Ed25519 host key: made once (mode 0600) and reused, so
//! clients that trusted it keep trusting it.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{HashAlg, PrivateKey};

/// The key at `path`, made there first if there is none.
pub fn load_or_create(path: &Path) -> Result<PrivateKey, String> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => Err(format!("{}: not a regular file", path.display())),
        // An empty file holds no key (an older version left one on a full
        // disk): no client can have trusted it, so a new key takes its place.
        Ok(meta) if meta.len() == 0 => {
            tracing::warn!(path = %path.display(), "the host key file is empty; making a new key");
            create(path, write_key)
        }
        Ok(_) => load_existing(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create(path, write_key),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The key already at `path`, refused if others may read it.
fn load_existing(path: &Path) -> Result<PrivateKey, String> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{}: the host key may be read by others (mode {:o}); make it private with chmod 600",
            path.display(),
            meta.permissions().mode() & 0o777
        ));
    }
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    PrivateKey::from_openssh(&text).map_err(|e| format!("{}: not an OpenSSH private key: {e}", path.display()))
}

/// Writes the key's text to a new file and makes it reach the disk.
fn write_key(file: &mut fs::File, text: &[u8]) -> io::Result<()> {
    file.write_all(text)?;
    file.sync_all()
}

/// Makes a key and puts it at `path` whole or not at all: written to a
/// temporary file beside it, then moved into place (a full disk leaves no
/// empty key behind that would stop the next start).
fn create(path: &Path, write: impl FnOnce(&mut fs::File, &[u8]) -> io::Result<()>) -> Result<PrivateKey, String> {
    let mut seed = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut seed))
        .map_err(|e| format!("cannot get random bytes for a host key: {e}"))?;
    let key = PrivateKey::new(KeypairData::from(Ed25519Keypair::from_seed(&seed)), "shopfront host key")
        .map_err(|e| format!("cannot make a host key: {e}"))?;
    let text = key.to_openssh(LineEnding::LF).map_err(|e| format!("cannot encode the host key: {e}"))?;
    let name = path.file_name().map_or_else(|| "host-key".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let failed = |e: io::Error| {
        let _ = fs::remove_file(&temporary);
        format!("{}: cannot write the host key: {e}", path.display())
    };
    // Created private and exclusively (never over another file, never readable by others).
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)
        .map_err(|e| format!("{}: {e}", temporary.display()))?;
    write(&mut file, text.as_bytes()).map_err(failed)?;
    drop(file);
    // A link, not a rename: never replaces a key another copy made meanwhile.
    match fs::hard_link(&temporary, path) {
        Ok(()) => {
            let _ = fs::remove_file(&temporary);
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && fs::metadata(path).is_ok_and(|m| m.len() == 0) => {
            fs::rename(&temporary, path).map_err(failed)?;
        }
        // Another server sharing this key file made it first (two started
        // at once): every one of them must show the same key, so use that one.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(&temporary);
            return load_existing(path);
        }
        Err(e) => return Err(failed(e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(key)
}

/// `SHA256:…`, as `ssh` shows it when it first meets the server.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh_host_ed25519_key");
        let first = load_or_create(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(fingerprint(&first), fingerprint(&again));
        assert!(fingerprint(&first).starts_with("SHA256:"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_or_create(&path).unwrap_err().contains("chmod 600"));
    }

    /// A disk that fills while the key is written leaves no file behind,
    /// so the next start makes a key instead of refusing.
    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh_host_ed25519_key");
        let full = |_: &mut fs::File, _: &[u8]| Err(io::Error::from_raw_os_error(libc::ENOSPC));
        let error = create(&path, full).unwrap_err();
        assert!(error.contains("cannot write the host key"), "{error}");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.is_empty(), "nothing left: {left:?}");
        assert!(load_or_create(&path).is_ok());
    }

    /// Two servers sharing one key file start at once: the one that makes
    /// its key second takes the first one's, so both show one fingerprint.
    #[test]
    fn a_key_made_meanwhile_by_another_server_is_the_one_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh_host_ed25519_key");
        let first = load_or_create(&path).unwrap();
        // As if this server had found no file a moment before the other made it.
        let second = create(&path, write_key).unwrap();
        assert_eq!(fingerprint(&second), fingerprint(&first));
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    }

    /// The empty key file an older version left on a full disk is replaced.
    #[test]
    fn an_empty_key_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh_host_ed25519_key");
        fs::File::create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let key = load_or_create(&path).unwrap();
        assert_eq!(fingerprint(&load_or_create(&path).unwrap()), fingerprint(&key));
        assert!(fs::metadata(&path).unwrap().len() > 0);
    }
}
