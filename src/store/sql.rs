use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, AssertSqlSafe, FromRow};

/// Rows a statement takes at once as one JSON array (SQLite's `jsonb_each`).
pub const JSON_ROWS: usize = 10_000;

/// Rows as one JSON array of arrays, for a statement that reads them with `jsonb_each` (SQLite):
/// one bound value for thousands of rows, unpacked by the database. `jsonb_each`, not
/// `json_each`: it parses the array once and hands each row on parsed, where `json_each` hands
/// it on as text that every `->>` parses again (100,000 rows: 0.25 s less an import).
///
/// A row that cannot be written as JSON is an error, never an empty array: nothing would be
/// written, and no one told.
pub fn json_rows<T: serde::Serialize>(
    rows: impl Iterator<Item = T>,
) -> Result<String, sqlx::Error> {
    use serde::Serializer;
    let mut out = Vec::new();
    serde_json::Serializer::new(&mut out)
        .collect_seq(rows)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    String::from_utf8(out).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// A value bound to a dynamic query.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// Builds SQL with `$n` placeholders, which both backends take through `Any`
/// (sqlx's own `QueryBuilder<Any>` writes `?`, which PostgreSQL refuses).
/// Only fixed fragments are ever pushed as SQL; every value goes through [`Sql::bind`].
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
    positional: bool,
}

impl Sql {
    pub fn new(text: &'static str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
            positional: false,
        }
    }

    /// For statements with thousands of values (multi-row inserts). SQLite looks named
    /// parameters (`$n`) up by a linear scan per parameter, so a 6,000-value statement spends
    /// most of its time there; on SQLite these use plain `?`, which it binds in order.
    pub fn bulk(tx: &super::Tx, text: &'static str) -> Self {
        let mut sql = Self::new(text);
        sql.positional = tx.backend().binds_in_order();
        sql
    }

    /// [`Sql::bulk`] for a statement read on a connection (a long `IN (…)` list).
    pub fn bulk_on(conn: &sqlx::AnyConnection, text: &'static str) -> Self {
        let mut sql = Self::new(text);
        sql.positional = super::Backend::of_connection(conn).binds_in_order();
        sql
    }

    /// Puts a fixed fragment before the statement (`EXPLAIN …`).
    pub fn prepend(&mut self, fragment: &'static str) -> &mut Self {
        self.text.insert_str(0, fragment);
        self
    }

    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// ` LIMIT n OFFSET m` as integer literals. SQLite re-prepares a statement every time a
    /// bound LIMIT or OFFSET changes (it plans with their values), which costs more than the
    /// query; an integer is not input that can change the statement, so it is written in.
    pub fn limit(&mut self, limit: i64, offset: i64) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.text, " LIMIT {limit}");
        if offset != 0 {
            let _ = write!(self.text, " OFFSET {offset}");
        }
        self
    }

    /// Binds a value and writes its placeholder.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        if self.positional {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.args.len().to_string());
        }
        self
    }

    /// Binds each item, comma-separated: the inside of `IN (…)`, `NULL` when there is none.
    pub fn bind_list<A: Into<Arg>>(&mut self, items: impl IntoIterator<Item = A>) -> &mut Self {
        let mut none = true;
        for item in items {
            if !none {
                self.push(", ");
            }
            self.bind(item);
            none = false;
        }
        if none {
            self.push("NULL");
        }
        self
    }

    /// The statement with its values, as one text: the same text, the same question.
    pub fn key(&self) -> String {
        format!("{}\u{0}{:?}", self.text, self.args)
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }

    pub fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as(AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }

    /// Starts `SELECT <these columns of every row, as one JSON array of arrays> `, for
    /// [`Sql::fetch_json`]; the caller goes on with `FROM …`.
    pub fn json_select(backend: super::Backend, columns: &[&'static str]) -> Self {
        let (open, close) = backend.json_rows_around();
        let mut sql = Self::new(open);
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(c);
        }
        sql.push(close);
        sql
    }

    /// Reads a [`Sql::json_select`]: its rows as `T`s, fields in the columns' order. Tens of
    /// thousands of rows come as one value instead of one trip each through the driver
    /// (100,000 lines on SQLite: 0.05 s instead of 0.2 s). No order is promised.
    pub async fn fetch_json<T: serde::de::DeserializeOwned>(
        &self,
        pool: &sqlx::AnyPool,
    ) -> Result<Vec<T>, sqlx::Error> {
        use sqlx::Row;
        let json: Option<String> = self.query().fetch_one(pool).await?.try_get(0)?;
        serde_json::from_str(json.as_deref().unwrap_or("[]"))
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    /// Runs a `SELECT COUNT(*) …` and returns the count.
    pub async fn count(&self, pool: &sqlx::AnyPool) -> Result<i64, sqlx::Error> {
        use sqlx::Row;
        self.query().fetch_one(pool).await?.try_get::<i64, _>(0)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

/// A PostgreSQL array literal (`{"a","b",NULL}`) of these values, every one quoted and
/// escaped, for `CAST($n AS BIGINT[])` / `CAST($n AS TEXT[])` through the `Any` driver.
pub fn pg_array(values: impl Iterator<Item = Option<String>>) -> String {
    let mut out = String::from("{");
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            None => out.push_str("NULL"),
            Some(v) => {
                out.push('"');
                for c in v.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::{json_rows, pg_array};

    #[test]
    fn json_rows_are_an_array_of_arrays_or_an_error() {
        let rows = json_rows([(1, "a"), (2, "b")].into_iter()).expect("rows");
        assert_eq!(rows, r#"[[1,"a"],[2,"b"]]"#);
        // A map keyed by pairs has no JSON form: an error, not an empty array.
        let unwritable = std::collections::BTreeMap::from([((1, 2), 3)]);
        assert!(json_rows(std::iter::once(unwritable)).is_err());
    }

    #[test]
    fn array_literals_quote_and_escape() {
        let values = [Some("1".to_owned()), None, Some("a \"b\" \\ c".to_owned())];
        assert_eq!(
            pg_array(values.into_iter()),
            "{\"1\",NULL,\"a \\\"b\\\" \\\\ c\"}"
        );
        assert_eq!(pg_array(std::iter::empty()), "{}");
    }
}
