//! Argon2id password hashing, at most one hash per core at a time so a login flood cannot
//! exhaust memory or starve the server.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::{Condvar, Mutex};

pub struct Hasher {
    free: Mutex<usize>,
    cv: Condvar,
    /// A real hash of a random password: unknown logins are checked against it so they cost
    /// the same as wrong passwords.
    dummy: String,
}

struct Permit<'a>(&'a Hasher);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.cv.notify_one();
    }
}

impl Hasher {
    pub fn new(slots: usize) -> Hasher {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let dummy = Argon2::default().hash_password(b"not a real password", &salt).expect("argon2 hashes").to_string();
        Hasher { free: Mutex::new(slots.max(1)), cv: Condvar::new(), dummy }
    }

    fn permit(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Permit(self)
    }

    pub fn hash(&self, password: &str) -> String {
        let _p = self.permit();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes").to_string()
    }

    /// Checks `password` against `hash`, or against the dummy hash when there is no account.
    pub fn verify(&self, hash: Option<&str>, password: &str) -> bool {
        let _p = self.permit();
        let stored = hash.unwrap_or(&self.dummy);
        let ok = PasswordHash::new(stored)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        ok && hash.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_unknowns_fail() {
        let h = Hasher::new(1);
        let stored = h.hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(h.verify(Some(&stored), "correct horse"));
        assert!(!h.verify(Some(&stored), "wrong"));
        assert!(!h.verify(None, "not a real password"));
        assert!(!h.verify(Some("garbage"), "x"));
    }
}
