//! Content-addressed blob files: one file per distinct message body, named
//! by its SHA-256, written once.
//!
//! Invariants
//! - A blob file is complete and fsynced (file and directory) before `put`
//!   returns, so a metadata row committed afterwards never points at a
//!   missing or truncated file, whatever crash happens in between.
//! - Files are written under a temporary name and renamed into place: a
//!   reader never sees a partial file under a blob's name.
//! - Reference counting lives in the metadata database (`blobs` table); this
//!   module only knows files.

use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Result, StoreError};

/// The directory of partial uploads under the blob root.
const UPLOADS: &str = "uploads";

/// The identity of a stored body: its SHA-256 in lower-case hex, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobRef {
    pub id: String,
    pub size: i64,
}

#[derive(Debug)]
pub struct BlobStore {
    root: PathBuf,
    tmp_counter: AtomicU64,
}

impl BlobStore {
    pub fn open(root: &Path) -> Result<Self> {
        fs::create_dir_all(root.join("tmp"))?;
        // Partial large-file uploads (R21, `shared_files.rs`): kept across
        // restarts, unlike `tmp`, so an upload resumes after one.
        fs::create_dir_all(root.join(UPLOADS))?;
        // Leftovers of writes interrupted by a crash: never referenced, since
        // the rename into place is what makes a blob exist.
        if let Ok(entries) = fs::read_dir(root.join("tmp")) {
            for e in entries.flatten() {
                let _ = fs::remove_file(e.path());
            }
        }
        Ok(BlobStore {
            root: root.to_path_buf(),
            tmp_counter: AtomicU64::new(0),
        })
    }

    /// The directory holding the blob files.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn id_of(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    /// Where a blob's file is (or would be), for readers that stream it
    /// instead of loading it whole (large files, R21).
    pub fn path(&self, id: &str) -> Result<PathBuf> {
        self.path_of(id)
    }

    /// A fresh name in the temporary directory, for a file received whole
    /// before it has a row (emptied at start, so never left behind).
    pub fn temp_path(&self) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{}-{n}-in", std::process::id()))
    }

    /// The partial file of large-file upload `n` (R21).
    pub fn upload_path(&self, n: i64) -> PathBuf {
        self.root.join(UPLOADS).join(n.to_string())
    }

    /// The SHA-256 of a file, read in bounded pieces (a large file is
    /// never held in memory). Blocking.
    pub fn id_of_file(path: &Path) -> Result<String> {
        use std::io::Read;
        let mut f = fs::File::open(path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex::encode(h.finalize()))
    }

    /// Moves a complete file into place as blob `id` (its SHA-256, see
    /// [`Self::id_of_file`]) unless that blob's file exists, durably (file
    /// and directories fsynced); `src` is gone afterwards either way.
    /// Blocking. Call with the blob's row locked, as `link_blob` does.
    pub fn adopt(&self, id: &str, src: &Path) -> Result<()> {
        let path = self.path_of(id)?;
        if path.exists() {
            let _ = fs::remove_file(src);
            return Ok(());
        }
        let dir = path
            .parent()
            .ok_or_else(|| StoreError::Invalid("blob path".into()))?;
        let new_dir = !dir.exists();
        if new_dir {
            fs::create_dir_all(dir)?;
        }
        fs::File::open(src)?.sync_all()?;
        fs::rename(src, &path)?;
        sync_dir(dir)?;
        if new_dir && let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
        Ok(())
    }

    fn path_of(&self, id: &str) -> Result<PathBuf> {
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Invalid(format!("bad blob id {id:?}")));
        }
        Ok(self.root.join(&id[..2]).join(&id[2..4]).join(id))
    }

    /// Writes `data` durably unless a blob with the same content exists.
    /// Blocking: call from `spawn_blocking` or through `Store::put_blob`.
    pub fn put(&self, data: &[u8]) -> Result<BlobRef> {
        let id = Self::id_of(data);
        let path = self.path_of(&id)?;
        if !path.exists() {
            self.write_file(&path, data)?;
        }
        Ok(BlobRef {
            id,
            size: data.len() as i64,
        })
    }

    /// Rewrites a blob if its file is missing (used after a concurrent
    /// reclaim, see `Store::link_blob`).
    pub fn ensure(&self, id: &str, data: &[u8]) -> Result<()> {
        let path = self.path_of(id)?;
        if !path.exists() {
            self.write_file(&path, data)?;
        }
        Ok(())
    }

    pub fn exists(&self, id: &str) -> bool {
        self.path_of(id).map(|p| p.exists()).unwrap_or(false)
    }

    fn write_file(&self, path: &Path, data: &[u8]) -> Result<()> {
        let dir = path
            .parent()
            .ok_or_else(|| StoreError::Invalid("blob path".into()))?;
        let new_dir = !dir.exists();
        if new_dir {
            fs::create_dir_all(dir)?;
        }
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}-{n}", std::process::id()));
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(data)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        // The rename is durable only once the directory entry is on disk.
        sync_dir(dir)?;
        if new_dir {
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
                if let Some(grand) = parent.parent() {
                    sync_dir(grand)?;
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Vec<u8>> {
        let path = self.path_of(id)?;
        match fs::read(&path) {
            Ok(d) => Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::BlobCorrupt(id.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Checks that the file's content still hashes to its name.
    pub fn verify(&self, id: &str) -> Result<bool> {
        Ok(Self::id_of(&self.get(id)?) == id)
    }

    pub fn remove(&self, id: &str) -> Result<()> {
        let path = self.path_of(id)?;
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every blob id present on disk (for orphan sweeps and crash tests).
    pub fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for a in fs::read_dir(&self.root)?.flatten() {
            let name = a.file_name();
            // Only the two-hex-digit fan-out directories hold blobs.
            let fan_out = name.len() == 2
                && name
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit());
            if !fan_out || !a.path().is_dir() {
                continue;
            }
            for b in fs::read_dir(a.path())?.flatten() {
                for c in fs::read_dir(b.path())?.flatten() {
                    out.push(c.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(out)
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}
