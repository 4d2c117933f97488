//! Key/value facts about the database itself (e.g. whether it is a training database).

use super::schema::meta;
use super::DbConn;
use diesel::prelude::*;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    meta::table.find(key).select(meta::value).first(conn).optional()
}

pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let n = diesel::update(meta::table.find(key)).set(meta::value.eq(value)).execute(conn)?;
    if n == 0 {
        diesel::insert_into(meta::table).values((meta::key.eq(key), meta::value.eq(value))).execute(conn)?;
    }
    Ok(())
}
