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
        Ok(meta) => {
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
        Err(e) if e.kind() == io::ErrorKind::NotFound => create(path),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn create(path: &Path) -> Result<PrivateKey, String> {
    let mut seed = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut seed))
        .map_err(|e| format!("cannot get random bytes for a host key: {e}"))?;
    let key = PrivateKey::new(KeypairData::from(Ed25519Keypair::from_seed(&seed)), "shopfront host key")
        .map_err(|e| format!("cannot make a host key: {e}"))?;
    let text = key.to_openssh(LineEnding::LF).map_err(|e| format!("cannot encode the host key: {e}"))?;
    // Created private and exclusively: never over another file, never readable by others.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| format!("{}: {e}", path.display()))?;
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
}
