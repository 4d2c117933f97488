//! gongyi: grant management for a district's yearly public-welfare venture funding (公益创投).
//! Data flows one way: web → service → (domain, db).

pub mod app;
pub mod backup;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod mail;
pub mod pdf;
pub mod registry_file;
pub mod service;
pub mod web;
