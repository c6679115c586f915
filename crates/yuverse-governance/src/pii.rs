//! Protection of personal information (PIPL): field encryption with AES-256-GCM and a keyed
//! blind index for uniqueness checks without decrypting.
//!
//! The key is 32 bytes, given base64-encoded through `YUVERSE_PII_KEY` or a key file. In the
//! default set-up the key file `pii.key` is generated in the data dir with mode 0600; losing it
//! loses the encrypted fields, so back it up with the data dir (and share it between nodes on
//! PostgreSQL). Ciphertexts are bound to their row by associated data, so a ciphertext copied
//! onto another user's row does not decrypt.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct PiiCipher {
    cipher: Aes256Gcm,
    blind_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("PiiCipher(..)")
    }
}

/// Where the key comes from, in order of precedence.
#[derive(Debug, Clone)]
pub enum PiiKeySource {
    /// Base64 of 32 bytes (from `YUVERSE_PII_KEY`).
    Inline(String),
    /// A file holding base64 of 32 bytes; generated with mode 0600 when `create` and missing.
    File {
        path: std::path::PathBuf,
        create: bool,
    },
}

impl PiiCipher {
    pub fn from_key(key: [u8; 32]) -> PiiCipher {
        let blind_key: [u8; 32] = Sha256::new()
            .chain_update(b"yuverse pii blind index v1")
            .chain_update(key)
            .finalize()
            .into();
        PiiCipher {
            cipher: Aes256Gcm::new(&key.into()),
            blind_key,
        }
    }

    pub fn load(source: &PiiKeySource) -> anyhow::Result<PiiCipher> {
        let encoded = match source {
            PiiKeySource::Inline(b64) => b64.clone(),
            PiiKeySource::File { path, create } => {
                if !path.exists() && *create {
                    generate_key_file(path)?;
                }
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the PII key file {}", path.display()))?
            }
        };
        let bytes = B64
            .decode(encoded.trim())
            .context("the PII key is not valid base64")?;
        let key: [u8; 32] = match bytes.try_into() {
            Ok(k) => k,
            Err(_) => bail!("the PII key must be 32 bytes (base64-encoded)"),
        };
        Ok(PiiCipher::from_key(key))
    }

    /// Encrypts `plain` bound to `context` (e.g. the owning user's id).
    pub fn encrypt(&self, plain: &str, context: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("PII encryption failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt(&self, stored: &[u8], context: &str) -> anyhow::Result<String> {
        if stored.len() < 1 + NONCE_LEN || stored[0] != FORMAT_V1 {
            bail!("unknown PII ciphertext format");
        }
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(&stored[1..1 + NONCE_LEN]),
                Payload {
                    msg: &stored[1 + NONCE_LEN..],
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("PII decryption failed (wrong key or tampered row)"))?;
        Ok(String::from_utf8(plain)?)
    }

    /// A keyed hash for equality lookups (HMAC-SHA256, hex).
    pub fn blind_index(&self, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.blind_key).expect("any key length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn generate_key_file(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the PII key file {}", path.display()))?;
    writeln!(file, "{}", B64.encode(key))?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let c = PiiCipher::from_key([7u8; 32]);
        let sealed = c.encrypt("11010519491231002X", "user-1").unwrap();
        assert!(!sealed.windows(18).any(|w| w == b"11010519491231002X"));
        assert_eq!(c.decrypt(&sealed, "user-1").unwrap(), "11010519491231002X");
        assert!(c.decrypt(&sealed, "user-2").is_err());
        assert_eq!(c.blind_index("a"), c.blind_index("a"));
        assert_ne!(
            c.blind_index("a"),
            PiiCipher::from_key([8u8; 32]).blind_index("a")
        );
    }

    #[test]
    fn key_file_is_generated_private_and_reused() {
        let dir = tempfile_dir();
        let path = dir.join("pii.key");
        let source = PiiKeySource::File {
            path: path.clone(),
            create: true,
        };
        let a = PiiCipher::load(&source).unwrap();
        let b = PiiCipher::load(&source).unwrap();
        assert_eq!(a.blind_index("x"), b.blind_index("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("yuverse-pii-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
