//! The `json` renderer: JSON Lines, one object per event, every event (nothing merged).

use super::{Event, Render};

pub struct JsonRender;

impl Render for JsonRender {
    fn render(&mut self, ev: &Event, _merged: bool, out: &mut String) {
        // Serializing a struct of strings and numbers cannot fail.
        out.push_str(&serde_json::to_string(ev).expect("an event always serializes"));
        out.push('\n');
    }

    fn merges(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::test_support::sample;
    use crate::trace::{Kind, Phase};

    #[test]
    fn one_object_per_line_with_the_design_fields() {
        let mut ev = sample(
            "recvfrom",
            r#"4, "h\377", 1500, 0, NULL, NULL"#,
            Some(2),
            None,
        );
        ev.fd = Some(4);
        ev.bytes = Some(2);
        ev.preview = Some(r#""h\377""#.into());
        let mut out = String::new();
        JsonRender.render(&ev, false, &mut out);
        assert!(out.ends_with('\n'));
        assert_eq!(out.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        for field in [
            "seq", "ts_us", "pid", "tid", "thread", "call", "args", "fd", "ret", "errno",
        ] {
            assert!(v.get(field).is_some(), "missing {field} in {out}");
        }
        assert_eq!(v["call"], "recvfrom");
        assert_eq!(v["fd"], 4);
        assert_eq!(v["ret"], 2);
        assert_eq!(v["bytes"], 2);
        assert_eq!(v["kind"], "syscall");
        assert_eq!(v["phase"], "call");
        assert_eq!(v["thread"], "exécutant-1");
        assert!(v["errno"].is_null());
        // And it reads back into the same event.
        let back: Event = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(back.call, ev.call);
        assert_eq!(back.kind, Kind::Syscall);
        assert_eq!(back.phase, Phase::Call);
    }

    #[test]
    fn errors_carry_the_errno_name() {
        let ev = sample("connect", "3, {...}, 16", Some(-1), Some("ECONNREFUSED"));
        let mut out = String::new();
        JsonRender.render(&ev, false, &mut out);
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(v["errno"], "ECONNREFUSED");
        assert_eq!(v["ret"], -1);
    }
}
