-- A call's terms for after funding, as JSON (domain::aftercare::Terms): payment mode (tranches |
-- after_final), days after the project's end the final report falls due, the audit threshold.
-- Existing calls keep NULL, read as the defaults (tranches, 30 days, no audit threshold); the
-- milestones of projects already funded are left exactly as they are.
ALTER TABLE call_scoring ADD COLUMN aftercare TEXT;
