//! The catalogue of the curriculum, `exercises/exercises.toml`: one documented structure that
//! the list (`socklab exercises`), the hints, the grader and `socklab diff` all read.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Lang;

/// The catalogue as shipped, used when socklab runs outside the project's folder.
const SHIPPED: &str = include_str!("../../exercises/exercises.toml");

/// The file, relative to the project's root.
pub const PATH: &str = "exercises/exercises.toml";

/// The whole catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Bumped when a field changes meaning.
    pub format_version: u32,
    /// The steps, in the order they are taught.
    pub exercises: Vec<Exercise>,
}

/// One step: an exercise in `exercises/`, its solution in `solutions/`, same file name; and
/// for the Python track the same in `exercises/python/` and `solutions/python/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Two digits: `"03"`. The file name starts with it.
    pub id: String,
    /// The rest of the file name: `echo_server_tcp` for `03_echo_server_tcp.rs`.
    pub name: String,
    pub title_fr: String,
    pub title_en: String,
    pub statement_fr: String,
    pub statement_en: String,
    /// The lab and the section it comes from (`seeds/...`), or "beyond the labs".
    pub source: String,
    pub hint_fr: String,
    pub hint_en: String,
    /// The hint of the Python track (`socklab hint ID --python`), when it says other things
    /// than the Rust one; that one otherwise.
    #[serde(default)]
    pub hint_python_fr: Option<String>,
    #[serde(default)]
    pub hint_python_en: Option<String>,
    /// The port the program uses when none is given, as the lab says.
    pub default_port: u16,
    /// What is graded: one part per program role (a server, a client...).
    pub parts: Vec<Part>,
}

/// One program role of a step, and how the grader judges it.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// `serveur`, `client`, `emetteur`...: the name used by `--part`.
    pub role: String,
    /// The scenario the grader plays against it (see `grade::scenario`).
    pub scenario: String,
    /// The arguments the step's own program gets: `{port}` and `{host}` are replaced.
    pub args: Vec<String>,
    /// The criteria read from the program's trace (see `grade::traced::criteria`): judged
    /// when ptrace is allowed, skipped (and said so) when not.
    #[serde(default)]
    pub trace: Vec<String>,
}

impl Catalogue {
    /// The catalogue in `root`, or the shipped one when there is no such file.
    pub fn load(root: Option<&Path>) -> Result<Catalogue, String> {
        match root.map(|r| r.join(PATH)) {
            Some(path) if path.is_file() => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Catalogue::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
            }
            _ => Catalogue::parse(SHIPPED).map_err(|e| format!("{PATH} (shipped): {e}")),
        }
    }

    /// Parses and checks a catalogue: ids unique, known scenarios, at least one part.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let cat: Catalogue = toml::from_str(text).map_err(|e| e.to_string())?;
        if cat.format_version != 1 {
            return Err(format!(
                "format_version {} is not supported (1 is)",
                cat.format_version
            ));
        }
        for (i, ex) in cat.exercises.iter().enumerate() {
            if cat.exercises[..i].iter().any(|o| o.id == ex.id) {
                return Err(format!("exercise {} is listed twice", ex.id));
            }
            if ex.parts.is_empty() {
                return Err(format!("exercise {} has no part to grade", ex.id));
            }
            for p in &ex.parts {
                if super::scenario::criteria(&p.scenario).is_none() {
                    return Err(format!(
                        "exercise {}: unknown scenario {:?}",
                        ex.id, p.scenario
                    ));
                }
                if let Some(t) = p
                    .trace
                    .iter()
                    .find(|t| super::traced::criteria::find(t).is_none())
                {
                    return Err(format!(
                        "exercise {} ({}): unknown trace criterion {t:?}",
                        ex.id, p.role
                    ));
                }
            }
        }
        Ok(cat)
    }

    /// The step named by `key`: its id (`3` or `03`), its file stem (`03_echo_server_tcp`)
    /// or its name (`echo_server_tcp`).
    pub fn find(&self, key: &str) -> Option<&Exercise> {
        let key = key.trim_end_matches(".rs").trim_end_matches(".py");
        let key = key.rsplit('/').next().unwrap_or(key);
        self.exercises.iter().find(|e| {
            e.id == key
                || e.name == key
                || e.stem() == key
                || key
                    .parse::<u32>()
                    .ok()
                    .zip(e.id.parse::<u32>().ok())
                    .is_some_and(|(a, b)| a == b)
        })
    }

    /// The list of ids, for messages.
    pub fn ids(&self) -> String {
        self.exercises
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Exercise {
    /// `03_echo_server_tcp`: the file name without `.rs`.
    pub fn stem(&self) -> String {
        format!("{}_{}", self.id, self.name)
    }

    /// The exercise file, relative to the root.
    pub fn exercise_path(&self) -> PathBuf {
        PathBuf::from(format!("exercises/{}.rs", self.stem()))
    }

    /// The solution file, relative to the root.
    pub fn solution_path(&self) -> PathBuf {
        PathBuf::from(format!("solutions/{}.rs", self.stem()))
    }

    /// The Python track's exercise file, relative to the root.
    pub fn python_exercise_path(&self) -> PathBuf {
        PathBuf::from(format!("exercises/python/{}.py", self.stem()))
    }

    /// The Python track's solution file, relative to the root.
    pub fn python_solution_path(&self) -> PathBuf {
        PathBuf::from(format!("solutions/python/{}.py", self.stem()))
    }

    /// The cargo example that builds the exercise (`ex03_echo_server_tcp`) or the solution
    /// (`sol03_echo_server_tcp`).
    pub fn example(&self, solution: bool) -> String {
        let prefix = if solution { "sol" } else { "ex" };
        format!("{prefix}{}_{}", self.id, self.name)
    }

    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_fr, &self.title_en)
    }

    pub fn statement(&self, lang: Lang) -> &str {
        lang.pick(&self.statement_fr, &self.statement_en)
    }

    pub fn hint(&self, lang: Lang) -> &str {
        lang.pick(&self.hint_fr, &self.hint_en)
    }

    /// The hint of the Python track, or the step's hint when it has none of its own.
    pub fn hint_python(&self, lang: Lang) -> &str {
        match (lang, &self.hint_python_fr, &self.hint_python_en) {
            (Lang::Fr, Some(fr), _) => fr,
            (Lang::En, _, Some(en)) => en,
            _ => self.hint(lang),
        }
    }

    /// The part named `role`, or the first one (the main program of the step).
    pub fn part(&self, role: Option<&str>) -> Option<&Part> {
        match role {
            None => self.parts.first(),
            Some(r) => self.parts.iter().find(|p| p.role == r),
        }
    }

    pub fn roles(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.role.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The project's root: the first folder, from `start` upwards, that holds the catalogue; else
/// the folder socklab was built from, if it still holds it.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(PATH).is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR"));
    built.join(PATH).is_file().then(|| built.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_is_valid_and_has_fifteen_steps_in_order() {
        let cat = Catalogue::parse(SHIPPED).unwrap();
        let ids: Vec<&str> = cat.exercises.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14",
                "15"
            ]
        );
        assert_eq!(cat.find("3").unwrap().stem(), "03_echo_server_tcp");
        assert_eq!(cat.find("echo_server_tcp").unwrap().id, "03");
        assert_eq!(
            cat.find("exercises/03_echo_server_tcp.rs").unwrap().id,
            "03"
        );
        assert_eq!(cat.find("15").unwrap().stem(), "15_select_client");
        assert_eq!(
            cat.find("exercises/python/03_echo_server_tcp.py")
                .unwrap()
                .id,
            "03"
        );
        assert!(cat.find("16").is_none());
    }

    /// Every step has a Python hint of its own in both languages, and a catalogue without
    /// one falls back on the step's hint.
    #[test]
    fn every_step_has_its_python_hint_and_one_without_falls_back() {
        let cat = Catalogue::parse(SHIPPED).unwrap();
        for ex in &cat.exercises {
            for lang in [Lang::Fr, Lang::En] {
                assert_ne!(ex.hint_python(lang), ex.hint(lang), "{} {lang:?}", ex.id);
                assert!(!ex.hint_python(lang).trim().is_empty(), "{}", ex.id);
            }
        }
        let mut ex = Catalogue::parse(SHIPPED).unwrap().exercises.remove(2);
        ex.hint_python_en = None;
        assert_eq!(ex.hint_python(Lang::En), ex.hint_en);
        assert_ne!(ex.hint_python(Lang::Fr), ex.hint_fr);
        assert_eq!(
            ex.python_exercise_path(),
            PathBuf::from("exercises/python/03_echo_server_tcp.py")
        );
    }

    #[test]
    fn mistakes_in_a_catalogue_are_named() {
        let one = |id: &str, scenario: &str| {
            format!(
                "[[exercises]]\nid = \"{id}\"\nname = \"x\"\ntitle_fr = \"\"\ntitle_en = \"\"\n\
                 statement_fr = \"\"\nstatement_en = \"\"\nsource = \"\"\nhint_fr = \"\"\n\
                 hint_en = \"\"\ndefault_port = 1\n[[exercises.parts]]\nrole = \"r\"\n\
                 scenario = \"{scenario}\"\nargs = []\n"
            )
        };
        let twice = format!(
            "format_version = 1\n{}{}",
            one("01", "echo-udp"),
            one("01", "echo-udp")
        );
        assert!(
            Catalogue::parse(&twice)
                .unwrap_err()
                .contains("listed twice")
        );
        let unknown = format!("format_version = 1\n{}", one("01", "teleport"));
        assert!(Catalogue::parse(&unknown).unwrap_err().contains("teleport"));
        let version = format!("format_version = 2\n{}", one("01", "echo-udp"));
        assert!(
            Catalogue::parse(&version)
                .unwrap_err()
                .contains("format_version")
        );
    }
}
