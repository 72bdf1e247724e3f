//! Whether a text names the child: free text that leaves the team (the E3 agenda) is
//! checked against the case's names, case-insensitive, without diacritics, whole words.

use super::case::Case;
use super::listing::fold;

/// Parts of Dutch (and nearby) surnames that are ordinary words on their own: "de" in
/// "de Vries" does not make every "de" a name.
const PARTICLES: &[&str] = &[
    "de", "der", "den", "het", "t", "te", "ter", "ten", "van", "vanden", "vander", "in", "op", "aan", "bij", "uit",
    "voor", "over", "onder", "la", "le", "les", "du", "da", "di", "del", "della", "dos", "das", "do", "el", "al",
    "von", "vom", "zu", "zum", "s",
];

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// The first word of `names` that `text` holds as a whole word, as written in the name.
/// Particles and single letters do not count on their own.
pub fn found_in(text: &str, names: &[&str]) -> Option<String> {
    let folded = fold(text);
    let in_text: Vec<&str> = words(&folded).collect();
    names.iter().flat_map(|n| words(n)).find_map(|word| {
        let w = fold(word);
        let counts = w.chars().count() > 1 && !PARTICLES.contains(&w.as_str());
        (counts && in_text.contains(&w.as_str())).then(|| word.to_string())
    })
}

/// The names recorded on a case: the pupil's first and last name. (tandem records no
/// parents' names; when it does, they belong here.)
pub fn of_case(case: &Case) -> Vec<&str> {
    vec![case.intake.first_name.as_str(), case.intake.last_name.as_str()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_as_a_whole_word_whatever_its_case_and_accents() {
        let names = ["Noor", "van der Bakker"];
        assert_eq!(found_in("NOOR zit thuis", &names), Some("Noor".into()));
        assert_eq!(found_in("familie bakker wacht", &names), Some("Bakker".into()));
        assert_eq!(found_in("Noorwegen en de bakkerij", &names), None, "whole words only");
        assert_eq!(found_in("van de gemeente, in de regio", &names), None, "particles are ordinary words");
        assert_eq!(found_in("Öztürk", &["Ozturk"]), Some("Ozturk".into()));
        assert_eq!(found_in("ozturk", &["Öztürk"]), Some("Öztürk".into()));
        assert_eq!(found_in("Zoë-Anne belt", &["Zoe"]), Some("Zoe".into()));
        assert_eq!(found_in("geen namen", &["", "J"]), None, "empty names and initials match nothing");
    }
}
