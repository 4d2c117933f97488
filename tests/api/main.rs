//! Black-box tests: each starts the real server on a random port over a fresh database and drives
//! it over HTTP. Every test runs on SQLite; with GONGYI_TEST_PG_URL set, or PostgreSQL installed
//! (a throwaway server is then started for the run), also on PostgreSQL.

mod evaluation;
mod evaluators;
mod flow;
mod hardening;
mod helpers;
mod hostile;
mod local_pg;
mod pg_detect;
mod process;
mod smtp;

mod access;
mod accounts;
mod aftercare;
mod attachments;
mod audit;
mod awards;
mod basics;
mod bids;
mod budgets;
mod calls;
mod categories;
mod changes;
mod checklist;
mod closure;
mod demands;
mod dossier;
mod funds;
mod logs;
mod mail;
mod notice;
mod operations;
mod org_documents;
mod organisations;
mod pages;
mod passwords;
mod points;
mod projects;
mod repeat;
mod review;
mod review_pages;
mod stages;
mod standing;
mod upgrade;
mod welfare;
mod worklist;
mod write_tx;
