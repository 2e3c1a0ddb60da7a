//! Just enough JSON for criterion's files and cargo's messages (xtask has no dependencies).

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub(crate) fn parse(text: &str) -> std::result::Result<Json, String> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            at: 0,
        };
        let value = parser.value()?;
        parser.space();
        if parser.at != parser.chars.len() {
            return Err(format!("trailing text at {}", parser.at));
        }
        Ok(value)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn next(&mut self) -> std::result::Result<char, String> {
        let c = *self.chars.get(self.at).ok_or("unexpected end")?;
        self.at += 1;
        Ok(c)
    }

    fn expect(&mut self, word: &str) -> std::result::Result<(), String> {
        for w in word.chars() {
            if self.next()? != w {
                return Err(format!("expected `{word}` at {}", self.at));
            }
        }
        Ok(())
    }

    fn value(&mut self) -> std::result::Result<Json, String> {
        self.space();
        match self.chars.get(self.at).copied().ok_or("unexpected end")? {
            'n' => self.expect("null").map(|_| Json::Null),
            't' => self.expect("true").map(|_| Json::Bool(true)),
            'f' => self.expect("false").map(|_| Json::Bool(false)),
            '"' => self.string().map(Json::String),
            '[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.close(']') {
                    loop {
                        items.push(self.value()?);
                        if self.separator(']')? {
                            break;
                        }
                    }
                }
                Ok(Json::Array(items))
            }
            '{' => {
                self.at += 1;
                let mut fields = Vec::new();
                if !self.close('}') {
                    loop {
                        self.space();
                        let key = self.string()?;
                        self.space();
                        self.expect(":")?;
                        fields.push((key, self.value()?));
                        if self.separator('}')? {
                            break;
                        }
                    }
                }
                Ok(Json::Object(fields))
            }
            _ => {
                let start = self.at;
                while self
                    .chars
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_digit() || "+-.eE".contains(*c))
                {
                    self.at += 1;
                }
                let number: String = self.chars[start..self.at].iter().collect();
                number
                    .parse()
                    .map(Json::Number)
                    .map_err(|_| format!("bad value at {start}"))
            }
        }
    }

    /// After `[` or `{`: an empty container?
    fn close(&mut self, end: char) -> bool {
        self.space();
        let empty = self.chars.get(self.at) == Some(&end);
        if empty {
            self.at += 1;
        }
        empty
    }

    /// After an item: `,` (more follow) or `end` (the last).
    fn separator(&mut self, end: char) -> std::result::Result<bool, String> {
        self.space();
        match self.next()? {
            ',' => Ok(false),
            c if c == end => Ok(true),
            c => Err(format!("unexpected `{c}` at {}", self.at - 1)),
        }
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        self.expect("\"")?;
        let mut out = String::new();
        loop {
            match self.next()? {
                '"' => return Ok(out),
                '\\' => match self.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'u' => {
                        let hex: String = (0..4)
                            .map(|_| self.next())
                            .collect::<std::result::Result<_, _>>()?;
                        let unit = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                        out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
                    }
                    c => out.push(c),
                },
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_files_parse() {
        let id = Json::parse(
            r#"{"group_id":"local_search_100k","function_id":"encrypted","value_str":"zh_4char",
               "throughput":null,"full_id":"local_search_100k/encrypted/zh_4char","title":"a \"b\" \u00e9"}"#,
        )
        .unwrap();
        assert_eq!(id.get("value_str").and_then(Json::as_str), Some("zh_4char"));
        assert_eq!(id.get("title").and_then(Json::as_str), Some("a \"b\" é"));
        let estimates = Json::parse(
            r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.5e3},
               "point_estimate":1234.5,"standard_error":2.0},"median":{"point_estimate":9.0},"slope":null,"x":[1,-2,[]],"y":{}}"#,
        )
        .unwrap();
        let mean = estimates.get("mean").and_then(|m| m.get("point_estimate"));
        assert_eq!(mean.and_then(Json::as_f64), Some(1234.5));
        assert!(Json::parse("{\"a\":1,}").is_err());
        assert!(Json::parse("{\"a\":1} x").is_err());
    }

    #[test]
    fn arrays_read_as_slices() {
        let value = Json::parse(r#"{"filenames":["a.so","b.a"]}"#).unwrap();
        let names: Vec<_> = value
            .get("filenames")
            .and_then(Json::as_array)
            .unwrap()
            .iter()
            .filter_map(Json::as_str)
            .collect();
        assert_eq!(names, ["a.so", "b.a"]);
    }
}
