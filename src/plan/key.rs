//! The ed25519 keys people sign plans with.
//!
//! A public key is written `ed25519:` and the standard base64 of its 32 bytes; the config
//! lists it under the person's name (`asha = "ed25519:…"`, the line `keygen` prints and puts
//! in `KEYFILE.pub`). The private key file is a small TOML file, `name` and `private_key`
//! (the 32-byte seed the same way), readable by its owner only: it is refused when others
//! may read it, as ssh refuses a private key, and its text never appears in an error.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::Error;

/// How a key's bytes are introduced, in the config and in the files.
pub const KEY_PREFIX: &str = "ed25519:";

/// Someone's public key: what the config lists and a signature names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads `ed25519:BASE64`.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let b64 = text
            .trim()
            .strip_prefix(KEY_PREFIX)
            .ok_or_else(|| format!("'{text}' is not a public key: it is written {KEY_PREFIX}BASE64, as payu-bulk keygen prints it"))?;
        let bytes: [u8; 32] = B64
            .decode(b64)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("'{text}' is not a public key: after {KEY_PREFIX} come the 44 base64 characters of 32 bytes"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| format!("'{text}' is not an ed25519 public key"))
    }

    /// Whether `signature` (base64 of 64 bytes) is this key's over `message`. Strict: no
    /// weak keys, no second encoding of the same signature.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Some(bytes) = B64
            .decode(signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        self.0
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{KEY_PREFIX}{}", B64.encode(self.0.to_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// A name people and the config know a key by: 1 to 64 letters, digits, `.`, `_`, `-` or `@`
/// (a login or an email address), so that it pastes into TOML and reads in a summary.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a signer's name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        ))
    }
}

/// The line for `[environments.ENV.approvers]`: `name = "ed25519:…"` (the name quoted when
/// TOML needs it, for `.` or `@`).
pub fn config_line(name: &str, key: &PublicKey) -> String {
    let bare = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if bare {
        format!("{name} = \"{key}\"")
    } else {
        format!("\"{name}\" = \"{key}\"")
    }
}

/// A person's private key, with their name.
pub struct KeyFile {
    pub name: String,
    key: SigningKey,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The public half only.
        write!(f, "KeyFile({}, {})", self.name, self.public())
    }
}

/// The private key file's fields.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    name: String,
    private_key: String,
}

/// `KEYFILE.pub`: the public key's file beside the private one.
pub fn pub_path(keyfile: &Path) -> PathBuf {
    let mut name = keyfile.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

impl KeyFile {
    /// A new key from the operating system's random source.
    pub fn generate(name: &str) -> Result<KeyFile, Error> {
        check_name(name).map_err(Error::Usage)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            Error::Usage(format!(
                "cannot draw a key from the system's random source: {e}"
            ))
        })?;
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Ok(KeyFile {
            name: name.to_owned(),
            key,
        })
    }

    /// Reads a key file written by [`KeyFile::write_new`]. One that others may read is
    /// refused: it may already be someone else's too.
    pub fn load(path: &Path) -> Result<KeyFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|source| Error::Open {
                    path: path.to_path_buf(),
                    source,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Error::format(
                    path,
                    format!(
                        "this private key can be read by other users (mode {:o}); make it yours alone with chmod 600",
                        mode & 0o777
                    ),
                ));
            }
        }
        // toml's own message would quote the line, which may be the key itself.
        let not_a_key = || {
            Error::format(
                path,
                "is not a payu-bulk key file (name = \"…\" and private_key = \"ed25519:…\", as payu-bulk keygen writes it)",
            )
        };
        let stored: Stored = toml::from_str(&text).map_err(|_| not_a_key())?;
        check_name(&stored.name).map_err(|why| Error::format(path, why))?;
        let seed: [u8; 32] = stored
            .private_key
            .strip_prefix(KEY_PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(not_a_key)?;
        Ok(KeyFile {
            name: stored.name,
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// The base64 of the 64-byte signature over `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.key.sign(message).to_bytes())
    }

    /// Writes the private key to `path` (mode 0600) and the public key's config line to
    /// `KEYFILE.pub`, each through a temporary file linked into place only if nothing is
    /// there: an existing key is never overwritten, and a crash leaves no half a key.
    pub fn write_new(&self, path: &Path) -> Result<PathBuf, Error> {
        let public = pub_path(path);
        for p in [path, public.as_path()] {
            if std::fs::symlink_metadata(p).is_ok() {
                return Err(Error::format(
                    p,
                    "already exists: keygen never overwrites a key; choose another file or remove this one yourself",
                ));
            }
        }
        let private = format!(
            "# The payu-bulk signing key of {name}. Keep it to yourself: whoever holds it signs payout plans as {name}.\n\
             name = \"{name}\"\nprivate_key = \"{KEY_PREFIX}{seed}\"\n",
            name = self.name,
            seed = B64.encode(self.key.to_bytes()),
        );
        write_no_clobber(path, private.as_bytes(), 0o600)?;
        let line = format!("{}\n", config_line(&self.name, &self.public()));
        if let Err(e) = write_no_clobber(&public, line.as_bytes(), 0o644) {
            // No private key without its public half.
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(public)
    }
}

/// A new file at `path` with `bytes`, made with `mode` (on Unix) before anything is written
/// into it, renamed into place only if `path` does not exist.
fn write_no_clobber(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let dir = crate::sheet::folder_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".payu-bulk-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut temp = builder
        .tempfile_in(&dir)
        .map_err(|e| Error::write(path, e))?;
    temp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| Error::write(path, e))?;
    temp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::format(path, "already exists: keygen never overwrites a key")
        } else {
            Error::write(path, e.error)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_reads_back_as_written() {
        let k = KeyFile::generate("asha").unwrap();
        let text = k.public().to_string();
        assert!(
            text.starts_with("ed25519:") && text.len() == 8 + 44,
            "{text}"
        );
        assert_eq!(PublicKey::parse(&text).unwrap(), k.public());
        assert!(PublicKey::parse("ed25519:AAAA").is_err());
        assert!(PublicKey::parse(&text[8..]).is_err());
    }

    #[test]
    fn a_signature_verifies_for_its_message_and_key_only() {
        let a = KeyFile::generate("asha").unwrap();
        let b = KeyFile::generate("ravi").unwrap();
        let sig = a.sign(b"pay these rows");
        assert!(a.public().verifies(b"pay these rows", &sig));
        assert!(!a.public().verifies(b"pay those rows", &sig));
        assert!(!b.public().verifies(b"pay these rows", &sig));
        assert!(!a.public().verifies(b"pay these rows", "not base64!"));
        let mut bytes = B64.decode(&sig).unwrap();
        bytes[10] ^= 1;
        assert!(!a.public().verifies(b"pay these rows", &B64.encode(bytes)));
    }

    #[test]
    fn names_and_config_lines() {
        assert!(check_name("asha").is_ok());
        assert!(check_name("asha.k@corp.example").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("a\"b").is_err());
        let k = KeyFile::generate("x").unwrap().public();
        assert_eq!(config_line("asha", &k), format!("asha = \"{k}\""));
        assert_eq!(config_line("a.k", &k), format!("\"a.k\" = \"{k}\""));
        let table: toml::Table = toml::from_str(&config_line("a.k@x", &k)).unwrap();
        assert_eq!(table["a.k@x"].as_str(), Some(k.to_string().as_str()));
    }

    #[test]
    fn a_key_file_is_written_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("asha.key");
        let k = KeyFile::generate("asha").unwrap();
        let public = k.write_new(&path).unwrap();
        assert_eq!(public, dir.path().join("asha.key.pub"));
        let back = KeyFile::load(&path).unwrap();
        assert_eq!(back.name, "asha");
        assert_eq!(back.public(), k.public());
        assert!(!format!("{back:?}").contains(&B64.encode(k.key.to_bytes())));
        let again = KeyFile::generate("asha").unwrap().write_new(&path);
        assert!(again.unwrap_err().to_string().contains("already exists"));
        assert_eq!(KeyFile::load(&path).unwrap().public(), k.public());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        KeyFile::generate("asha").unwrap().write_new(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = KeyFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_broken_key_file_never_shows_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let secret = "ed25519:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0";
        std::fs::write(&path, format!("name = \"asha\"\nprivate_key = {secret}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let err = KeyFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("not a payu-bulk key file"), "{err}");
        assert!(!err.contains("c2VjcmV0"), "{err}");
    }
}
