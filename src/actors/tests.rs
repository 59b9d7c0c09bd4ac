//! Unit tests: one per ambiguity rule of the data file, the API, and the
//! reference check.

use std::sync::OnceLock;

use super::*;

fn g() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(Gazetteer::builtin)
}

/// Canonical names extracted (named + implied), in order.
fn names(text: &str) -> Vec<String> {
    names_in(g(), text)
}

/// The names of the actors `gazetteer` extracts from `text`.
fn names_in(gazetteer: &Gazetteer, text: &str) -> Vec<String> {
    gazetteer
        .extract(text)
        .iter()
        .map(|a| a.name.clone())
        .collect()
}

#[test]
fn builtin_data_is_consistent() {
    let g = g();
    assert!(g.validate().is_empty(), "{:?}", g.validate());
    let countries = g
        .actors()
        .iter()
        .filter(|a| a.kind == ActorKind::Country)
        .count();
    assert!(countries >= 195 + 4 + 8, "only {countries} countries");
    for n in [
        "Holy See",
        "Palestine",
        "Taiwan",
        "Kosovo",
        "Hong Kong",
        "Western Sahara",
        "USSR",
        "West Germany",
        "East Germany",
        "Yugoslavia",
        "Czechoslovakia",
        "Burma",
        "Zaire",
        "Rhodesia",
        "South Vietnam",
        "North Yemen",
        "South Yemen",
        "Kampuchea",
    ] {
        assert!(g.resolve(n).is_some(), "{n} unknown");
    }
}

#[test]
fn case_sensitive_aliases_us_pronoun() {
    assert_eq!(names("Tell us what the US wants."), ["United States"]);
    assert!(names("Let us go, they told us.").is_empty());
}

#[test]
fn case_sensitive_aliases_turkey_and_china() {
    assert!(names("They roasted a turkey on fine china plates.").is_empty());
    assert_eq!(
        names("Turkey and China signed a deal."),
        ["Turkey", "China"]
    );
}

#[test]
fn all_caps_lines_match_unambiguous_names() {
    assert_eq!(
        names("IRAN SAYS U.S. TALKS WILL GO AHEAD"),
        ["Iran", "United States"]
    );
    assert_eq!(names("BAHIA COCOA REVIEW FROM BRAZIL"), ["Brazil"]);
    // The upper-case form of a mixed-case alias needs an all-caps line.
    assert!(names("the IRAN deal was signed").is_empty());
}

#[test]
fn all_caps_pronouns_are_blocked_or_caps_false() {
    assert!(names("LET US KNOW WHO WON").is_empty());
    assert_eq!(
        names("The WHO warned of a new outbreak."),
        ["World Health Organization"]
    );
    // "Xi" has caps = false: the roman numeral in capitals is nothing.
    assert!(names("POPE PIUS XI DIED").is_empty());
    assert_eq!(
        names("Xi met Vladimir Putin."),
        ["Xi Jinping", "China", "Vladimir Putin", "Russia"]
    );
}

#[test]
fn name_like_chad_and_jordan() {
    assert!(names("Chad Smith scored twice.").is_empty());
    assert_eq!(names("Troops were sent to Chad."), ["Chad"]);
    assert!(names("Michael Jordan retired, and Mr. Jordan left.").is_empty());
    assert_eq!(
        names("In Jordan, officials said Jordan's king would travel."),
        ["Jordan"]
    );
    assert_eq!(
        names("Jordan Bardella spoke."),
        ["Jordan Bardella", "France"]
    );
    // In a Title Case heading a following capitalised word proves nothing.
    assert_eq!(names("Jordan Seeks Emergency Aid From Donors"), ["Jordan"]);
}

#[test]
fn unless_context_georgia_the_us_state() {
    // Atlanta is a U.S. city alias; Georgia next to it is the U.S. state.
    assert_eq!(
        names("The plant near Atlanta, Georgia, closed."),
        ["United States"]
    );
    // The data file's `unless` phrases of a state's name mean the state.
    assert_eq!(
        names("A plant in Savannah, in Georgia, closed."),
        ["United States"]
    );
    assert_eq!(
        names("Georgia regulators, the Public Service Commission said, agreed."),
        ["United States"]
    );
    assert_eq!(
        names("Protesters filled the streets of Tbilisi, Georgia."),
        ["Georgia"]
    );
    assert_eq!(names("Georgia's ruling party won."), ["Georgia"]);
}

#[test]
fn word_boundaries_niger_nigeria() {
    assert_eq!(names("Nigeria and Nigerians"), ["Nigeria"]);
    assert_eq!(names("Niger's junta"), ["Niger"]);
    assert!(names("Romans and Omanization").is_empty());
}

#[test]
fn blocked_phrases_shadow_aliases() {
    assert!(names("The Washington Post and the New York Times reported.").is_empty());
    assert!(names("She flew to New Mexico.").is_empty());
    assert!(names("A China Daily Brief editorial.").is_empty());
    assert!(names("Tankers in the Persian Gulf and the South China Sea.").is_empty());
    assert_eq!(
        names("Washington said Mexico agreed."),
        ["United States", "Mexico"]
    );
}

#[test]
fn leftmost_longest_guinea_family() {
    assert_eq!(names("Papua New Guinea"), ["Papua New Guinea"]);
    assert!(names("the island of New Guinea").is_empty());
    assert_eq!(
        names("Guinea and Equatorial Guinea and Guinea-Bissau"),
        ["Guinea", "Equatorial Guinea", "Guinea-Bissau"]
    );
}

#[test]
fn leftmost_longest_full_names_beat_surnames() {
    assert_eq!(names("Abbas Araghchi said"), ["Abbas Araghchi", "Iran"]);
    assert_eq!(names("Mahmoud Abbas said"), ["Mahmoud Abbas", "Palestine"]);
    // A bare "Abbas" is the Palestinian president only where the text
    // names him in full; next to "Abbas Araghchi" it is the Iranian's first
    // name.
    assert_eq!(
        names("Abbas Araghchi arrived; Abbas later spoke."),
        ["Abbas Araghchi", "Iran"]
    );
    assert_eq!(
        names("Mahmoud Abbas arrived. Abbas spoke in Ramallah."),
        ["Mahmoud Abbas", "Palestine"]
    );
    assert_eq!(names("Abbas spoke in Ramallah."), ["Palestine"]);
}

#[test]
fn rejected_longer_pattern_does_not_hide_shorter_one() {
    // "Israel Katz" is an alias; in "Israel Katzir" it ends inside a word,
    // so the shorter "Israel" is tried, and rejected as a first name.
    assert!(names("Israel Katzir wrote").is_empty());
    let dropped = g().dropped("Israel Katzir wrote");
    assert_eq!(dropped.len(), 1);
    assert_eq!(g().actor(dropped[0].actor).name, "Israel");
    assert!(dropped[0].rule.contains("Katzir"), "{}", dropped[0].rule);
}

#[test]
fn unless_context_stoltenberg() {
    assert_eq!(
        names("Finance Minister Gerhard Stoltenberg said the Bundesbank"),
        ["Gerhard Stoltenberg", "Germany"]
    );
    assert_eq!(
        names("Jens Stoltenberg, the NATO chief. Stoltenberg said"),
        ["Jens Stoltenberg", "Norway", "NATO"]
    );
}

#[test]
fn possessives_and_curly_apostrophes() {
    assert_eq!(
        names("Israel\u{2019}s options and Iran's reach"),
        ["Israel", "Iran"]
    );
    assert_eq!(
        names("C\u{f4}te d\u{2019}Ivoire and Cote d'Ivoire"),
        ["Ivory Coast"]
    );
    assert_eq!(names("S\u{e3}o Paulo and Sao Paulo"), ["Brazil"]);
}

#[test]
fn dash_compounds_split() {
    assert_eq!(
        names("U.S.\u{2013}Iran talks, U.S.-Israeli ties, Washington\u{2014}Jerusalem links"),
        ["United States", "Iran", "Israel"]
    );
    assert_eq!(names("US-China trade"), ["United States", "China"]);
}

#[test]
fn demonyms_and_plurals() {
    assert_eq!(
        names("Iranians and Israelis and Americans"),
        ["Iran", "Israel", "United States"]
    );
    assert_eq!(
        names("the British and the Swiss"),
        ["United Kingdom", "Switzerland"]
    );
}

#[test]
fn regions_and_star_of_david_are_nothing() {
    assert!(names("Across the Middle East, a Star of David flag flew.").is_empty());
}

#[test]
fn persons_imply_their_country_only_in_extract() {
    let g = g();
    let named: Vec<&str> = g
        .extract_named("Benjamin Netanyahu met Vladimir Putin")
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(named, ["Benjamin Netanyahu", "Vladimir Putin"]);
    assert_eq!(
        names("Benjamin Netanyahu met Vladimir Putin"),
        ["Benjamin Netanyahu", "Israel", "Vladimir Putin", "Russia"]
    );
    // Officials of international organisations imply no country.
    assert_eq!(names("António Guterres said"), ["António Guterres"]);
}

#[test]
fn historical_states_and_successors() {
    let g = g();
    let bonn = g.resolve_id("Bonn").unwrap();
    assert_eq!(g.actor(bonn).name, "West Germany");
    assert_eq!(g.actor(g.modern(bonn)).name, "Germany");
    assert_eq!(
        g.actor(g.modern(g.resolve_id("USSR").unwrap())).name,
        "Russia"
    );
    assert_eq!(names("Burma and Kampuchea"), ["Myanmar", "Cambodia"]);
    assert_eq!(
        names("Soviet and West German officials"),
        ["Soviet Union", "West Germany"]
    );
}

#[test]
fn resolve_is_case_insensitive() {
    let g = g();
    let name = |q: &str| g.resolve(q).map(|a| a.name.clone());
    for q in [
        "us",
        "US",
        "Washington",
        "americans",
        "the white house",
        "u.s.a.",
    ] {
        assert_eq!(name(q).as_deref(), Some("United States"), "{q}");
    }
    assert_eq!(name("Netanyahu").as_deref(), Some("Benjamin Netanyahu"));
    assert_eq!(name("/country/Iran").as_deref(), Some("Iran"));
    assert_eq!(name("country/iran").as_deref(), Some("Iran"));
    assert_eq!(name("persia").as_deref(), Some("Iran"));
    assert_eq!(name("sao paulo").as_deref(), Some("Brazil"));
    assert!(g.resolve("Atlantis").is_none());
    assert_eq!(g.resolve("Iran").unwrap().facet_path(), "/country/Iran");
    assert_eq!(g.resolve("hamas").unwrap().facet_path(), "/group/Hamas");
    assert_eq!(g.resolve("NATO").unwrap().facet_path(), "/org/NATO");
}

#[test]
fn suggest_finds_close_names() {
    let g = g();
    assert!(g.suggest("Irn").contains(&"Iran".to_string()));
    assert_eq!(
        g.suggest("Netanyhu").first().map(String::as_str),
        Some("Benjamin Netanyahu")
    );
    assert!(g.suggest("Qwxyzzz").is_empty());
    assert!(g.suggest("").is_empty());
}

#[test]
fn extraction_order_is_first_mention() {
    assert_eq!(
        names("Oman, then Iran, then Oman again, then Israel"),
        ["Oman", "Iran", "Israel"]
    );
    let g = g();
    let m = g.mentions("Tehran and Muscat");
    assert_eq!((m[0].start, m[0].end), (0, 6));
    assert_eq!(g.actor(m[1].actor).name, "Oman");
}

#[test]
fn from_toml_rejects_bad_files() {
    let dup = r#"
[[actor]]
name = "A"
kind = "country"
aliases = ["X"]
[[actor]]
name = "B"
kind = "country"
aliases = ["X"]
"#;
    assert!(Gazetteer::from_toml(dup).is_err());
    assert!(
        Gazetteer::from_toml("blocked = [\"A\"]\n[[actor]]\nname = \"A\"\nkind = \"org\"\n")
            .is_err()
    );
    assert!(Gazetteer::from_toml("[[actor]]\nname = \"A\"\nkind = \"planet\"\n").is_err());
    assert!(Gazetteer::from_toml("[[actor]]\nname = \"A\"\nkind = \"org\"\ncolour = 1\n").is_err());
    assert!(Gazetteer::from_toml(
        "[[actor]]\nname = \"A\"\nkind = \"org\"\naliases = [{ text = \"B\", bogus = true }]\n"
    )
    .is_err());
    assert!(Gazetteer::from_toml(
        "[[actor]]\nname = \"A\"\nkind = \"country\"\naliases = [{ text = \"B\", until = \"soon\" }]\n"
    )
    .is_err());
    let empty = Gazetteer::from_toml("").unwrap();
    assert!(empty.extract("Iran").is_empty());
}

#[test]
fn venues_block_a_place_inside_their_templates() {
    let toml = r#"
[[venues]]
places = ["Vienna", "Graz", "the U.K.", "Sao Paulo"]
phrases = ["talks in {}", "{} market", "Corp of {}"]
[[actor]]
name = "Austria"
kind = "country"
aliases = ["Vienna", "Graz"]
[[actor]]
name = "United Kingdom"
kind = "country"
aliases = ["U.K."]
[[actor]]
name = "Brazil"
kind = "country"
aliases = ["São Paulo"]
"#;
    let g = Gazetteer::from_toml(toml).unwrap();
    let found = |t: &str| names_in(&g, t);
    assert!(found("OPEC held talks in Vienna.").is_empty());
    assert!(found("The Vienna market was calm.").is_empty());
    assert!(found("TALKS IN VIENNA END").is_empty());
    // Template words compare up to ASCII case.
    assert!(found("Talks in Graz resumed.").is_empty());
    // The alias is part of the place ("U.K." in "the U.K.").
    assert!(found("a unit of ICI Corp of the U.K. said").is_empty());
    assert_eq!(found("a unit of ICI Corp of U.K. said"), ["United Kingdom"]);
    // The folded form of an alias is a place too; the template must match
    // whole, on word boundaries.
    assert!(found("the Sao Paulo market").is_empty());
    assert_eq!(found("the São Paulo market"), ["Brazil"]);
    assert_eq!(found("Vienna said it would join the talks."), ["Austria"]);
    assert_eq!(found("the Vienna marketing office"), ["Austria"]);
    assert_eq!(found("peace talks inVienna"), Vec::<String>::new());
    assert_eq!(
        found("the talks in Vienna-based firms"),
        Vec::<String>::new()
    );
    // A template needs exactly one place holder; a filled template may not
    // be an alias.
    let bad = "[[venues]]\nplaces = [\"Graz\"]\nphrases = [\"talks in\"]\n";
    assert!(Gazetteer::from_toml(bad).is_err());
    let two = "[[venues]]\nplaces = [\"Graz\"]\nphrases = [\"{} and {}\"]\n";
    assert!(Gazetteer::from_toml(two).is_err());
    let clash = "[[venues]]\nplaces = [\"Graz\"]\nphrases = [\"{} Club\"]\n\
        [[actor]]\nname = \"Graz Club\"\nkind = \"org\"\n";
    assert!(Gazetteer::from_toml(clash).is_err());
}

#[test]
fn forms_differing_from_their_ascii_capitals() {
    let toml = r#"
[[actor]]
name = "Brazil"
kind = "country"
aliases = ["São Paulo"]
[[actor]]
name = "Öcalan"
kind = "person"
"#;
    let g = Gazetteer::from_toml(toml).unwrap();
    let found = |t: &str| names_in(&g, t);
    // Unicode capitals ("SÃO") and ASCII capitals of a non-ASCII name
    // ("ÖCALAN") match in an all-caps line only, like any ALL-CAPS form.
    assert_eq!(found("SÃO PAULO SHARES RISE"), ["Brazil"]);
    assert_eq!(found("SAO PAULO SHARES RISE"), ["Brazil"]);
    assert!(found("the SÃO PAULO index rose").is_empty());
    assert_eq!(found("ÖCALAN TRIAL OPENS"), ["Öcalan"]);
    assert!(found("the ÖCALAN trial opened").is_empty());
    // Mixed case that is neither the form nor its capitals is nothing.
    assert!(found("sÃo pAULO").is_empty());
    assert!(found("São paulo").is_empty());
}

#[test]
fn compound_suffixes_reject_the_alias_they_follow() {
    let toml = r#"
[rules]
compound_suffixes = ["-based", "-made"]
[[actor]]
name = "Japan"
kind = "country"
aliases = ["Tokyo"]
demonyms = ["Japanese"]
"#;
    let g = Gazetteer::from_toml(toml).unwrap();
    let found = |t: &str| names_in(&g, t);
    assert!(found("a Tokyo-based trading house").is_empty());
    assert!(found("Japanese-made chips").is_empty());
    assert!(found("JAPANESE-MADE CHIPS").is_empty());
    // Only the listed compounds, and only as whole words.
    assert_eq!(found("Tokyo-led talks"), ["Japan"]);
    assert_eq!(found("a Tokyo-basedish firm"), ["Japan"]);
    assert_eq!(found("Tokyo's base"), ["Japan"]);
}

#[test]
fn builtin_firms_venues_and_compounds() {
    assert!(names("Swiss Bank Corp International Ltd is lead manager.").is_empty());
    assert!(names("Bank of Tokyo said it raised its prime rate.").is_empty());
    assert!(names("It bought the unit from NEC Corp of Japan.").is_empty());
    assert!(names("a London-based dealer said").is_empty());
    assert!(names("ministers who met in Paris last month").is_empty());
    assert!(names("the Tokyo market closed higher").is_empty());
    assert_eq!(names("The Bank of Japan intervened in Tokyo."), ["Japan"]);
    assert_eq!(names("a 50 mln stg bond"), ["United Kingdom"]);
    assert_eq!(names("Paris said it would veto the plan."), ["France"]);
}

#[test]
fn merge_adds_overrides_and_moves_aliases() {
    let mut g = Gazetteer::builtin();
    let user = Gazetteer::from_toml(
        r#"
blocked = ["Oman Air"]

[[actor]]
name = "Iran"
kind = "country"
aliases = ["Islamic Republic of Persia"]

[[actor]]
name = "Atlantis"
kind = "country"
aliases = ["Poseidonia", "Muscat"]

[[actor]]
name = "Ada Lovelace"
kind = "person"
countries = ["United Kingdom"]

[[actor]]
name = "Nauru"
kind = "country"
replace = true
aliases = ["Pleasant Island"]
"#,
    )
    .unwrap();
    g.merge(user).unwrap();
    assert!(g.validate().is_empty());
    let names = |t: &str| names_in(&g, t);
    assert_eq!(names("the Islamic Republic of Persia"), ["Iran"]);
    assert_eq!(names("Tehran"), ["Iran"]); // built-in aliases kept
    assert_eq!(names("Muscat and Poseidonia"), ["Atlantis"]); // alias moved
    assert_eq!(names("Oman Air flew"), Vec::<String>::new());
    assert_eq!(names("Ada Lovelace"), ["Ada Lovelace", "United Kingdom"]);
    assert_eq!(names("Pleasant Island"), ["Nauru"]);
    assert_eq!(names("Nauruan"), Vec::<String>::new()); // replaced entry lost its demonym
                                                        // An alias in a user file unblocks a built-in blocked phrase.
    let mut g2 = Gazetteer::builtin();
    g2.merge(
        Gazetteer::from_toml("[[actor]]\nname = \"Washington Post\"\nkind = \"org\"\n").unwrap(),
    )
    .unwrap();
    let n: Vec<String> = g2
        .extract("the Washington Post said")
        .iter()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(n, ["Washington Post"]);
}

/// Own sentences with the constructs of the reference brief.
#[test]
fn reference_constructs() {
    let text = "Washington Urges Israel to Wait as US and Iran Meet in Oman\n\n\
        The United States asked Israel to hold off during U.S.-Iran talks in Oman, \
        a sign of close Washington\u{2013}Jerusalem coordination. Tehran agreed.\n\
        Detail of a flag with the Star of David.\n\
        Prime Minister Benjamin Netanyahu weighed Israel\u{2019}s options, and the \
        U.S.\u{2013}Israeli relationship held across the Middle East.\n\
        China Daily Brief Editorial\n\
        Iranian Foreign Minister Abbas Araghchi said talks in Muscat would go ahead \
        and Iran\u{2019}s delegation would travel; Netanyahu met his cabinet.";
    assert_eq!(
        names(text),
        [
            "United States",
            "Israel",
            "Iran",
            "Oman",
            "Benjamin Netanyahu",
            "Abbas Araghchi"
        ]
    );
}

/// The shared reference brief, read at test time when it is present.
#[test]
fn reference_brief_if_present() {
    let path = std::env::var("BRIEFS_REFERENCE")
        .unwrap_or_else(|_| "/work/shared/reference/brief-oman-talks.txt".to_string());
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {path} not found");
        return;
    };
    assert_eq!(
        names(&text),
        [
            "United States",
            "Israel",
            "Iran",
            "Oman",
            "Benjamin Netanyahu",
            "Abbas Araghchi"
        ]
    );
}

#[test]
fn annotate_gives_each_passage_its_own_actors() {
    let g = g();
    let mut brief = crate::brief::Brief {
        id: "b".into(),
        path: "b.txt".into(),
        title: Some("Iran and Oman".into()),
        body: vec![
            "Nothing here.".into(),
            "Benjamin Netanyahu spoke; Israel and Iran again.".into(),
            "".into(),
            "Moscow answered.".into(),
        ],
        date: Some("1987-03-01".into()),
        ..Default::default()
    };
    let actors = g.annotate(&mut brief);
    let names = |i: usize| -> Vec<&str> {
        actors
            .of(i)
            .iter()
            .map(|&id| g.actor(id).name.as_str())
            .collect()
    };
    let passages = brief.passages();
    assert_eq!(actors.len(), passages.len());
    assert_eq!(names(0), ["Iran", "Oman"]);
    assert!(names(1).is_empty());
    assert_eq!(names(2), ["Benjamin Netanyahu", "Israel", "Iran"]);
    // Dated 1987: Moscow is the Soviet Union.
    assert_eq!(names(passages.len() - 1), ["Soviet Union"]);
    assert!(actors.of(passages.len()).is_empty());
    assert_eq!(
        brief.actors,
        [
            "/country/Iran",
            "/country/Oman",
            "/person/Benjamin Netanyahu",
            "/country/Israel",
            "/country/Soviet Union"
        ]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(3000))]
    #[test]
    fn mentions_are_whole_words_in_order_on_any_text(
        text in "(Iran|IRAN|iran|U\\.S\\.|U\\.S\\.-|São Paulo|SÃO PAULO|Sao Paulo|talks in |Vienna|\
                  VIENNA|market|al-Qaeda|stg|The Hague|Öcalan|ÖCALAN|Netanyahu’s|Israel's|\
                  [A-Za-z]{1,8}|\\PC|[ .,'’–\\n-]){0,40}"
    ) {
        let mut last_end = 0;
        for m in g().mentions(&text) {
            proptest::prop_assert!(m.start >= last_end && m.start < m.end && m.end <= text.len());
            proptest::prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            let before = text[..m.start].chars().next_back();
            let after = text[m.end..].chars().next();
            proptest::prop_assert!(!before.is_some_and(char::is_alphanumeric), "{:?}", &text[m.start..m.end]);
            proptest::prop_assert!(!after.is_some_and(char::is_alphanumeric), "{:?}", &text[m.start..m.end]);
            last_end = m.end;
        }
    }
}

/// Mentions of `text` as (words, actor) pairs.
fn named(text: &str) -> Vec<(String, String)> {
    let g = g();
    g.mentions(text)
        .iter()
        .map(|m| {
            (
                text[m.start..m.end].to_string(),
                g.actor(m.actor).name.clone(),
            )
        })
        .collect()
}

#[test]
fn a_surname_alone_needs_the_full_name_or_an_office() {
    // Someone else of the same name.
    assert!(!names("Sharon Osbourne said Sharon was happy.").contains(&"Ariel Sharon".into()));
    assert!(
        !names("Jacques Barrot, the EU commissioner, said Barrot would act.")
            .contains(&"Jean-Noël Barrot".into())
    );
    // The full name anywhere in the text licenses the surname.
    assert_eq!(
        named("Ariel Sharon met aides. Later Sharon said no."),
        [
            ("Ariel Sharon".into(), "Ariel Sharon".into()),
            ("Sharon".into(), "Ariel Sharon".into())
        ]
    );
    // Another first name or an initial before the surname: someone else,
    // even when the text names the famous one in full.
    assert_eq!(
        named("Kevin Rudd met the minister Amber Rudd on trade."),
        [("Kevin Rudd".into(), "Kevin Rudd".into())]
    );
    assert!(named("T Howe, D Humphreys, K Maggs").is_empty());
    // The surname goes to the person of that name the text names in full.
    assert_eq!(
        named("Colin Powell spoke; Powell said so.")[1],
        ("Powell".into(), "Colin Powell".into())
    );
}

#[test]
fn an_office_before_a_surname_fits_the_date() {
    // Undated: the year the text mentions most.
    assert_eq!(
        names("In 2005 President Bush said the 2005 budget would pass."),
        ["George W. Bush", "United States"]
    );
    assert_eq!(
        names("In 1990 President Bush met Mr Gorbachev."),
        ["George H. W. Bush", "United States"]
    );
    // Two presidents of that name and no year: neither.
    assert!(names("President Bush said so.").is_empty());
    // A dated brief uses its date.
    let g = g();
    let mut brief = crate::brief::Brief {
        id: "b".into(),
        body: vec!["President Bush spoke about the budget.".into()],
        date: Some("2005-02-01".into()),
        ..Default::default()
    };
    g.annotate(&mut brief);
    assert_eq!(
        brief.actors,
        ["/person/George W. Bush", "/country/United States"]
    );
    // A title, but nobody of that name held an office then.
    assert!(names("In 1975 President Bush was far from office.").is_empty());
    let gw = g.actor(g.resolve_id("George W. Bush").unwrap());
    assert!(gw.offices.iter().any(|o| o.covers("2005")));
    assert!(gw.offices.iter().any(|o| o.covers("2001")));
    assert!(!gw.offices.iter().any(|o| o.covers("1990-06-01")));
}

#[test]
fn places_inside_other_names_are_not_the_place() {
    for text in [
        "Milan Baros scored twice.",
        "Microsoft's Stephen Toulouse said the flaw was fixed.",
        "Manchester United won again.",
        "a move to FC Barcelona",
        "the rapper Kano played last night",
        "the airport named Imam Khomeini International Airport",
    ] {
        assert!(names(text).is_empty(), "{text}: {:?}", names(text));
    }
    // A sentence's first word is no name; an alias next to another is fine.
    assert_eq!(names("Yesterday Britain said no."), ["United Kingdom"]);
    assert_eq!(names("The US Senate voted."), ["United States"]);
    assert_eq!(
        names("trade between Iran Iraq and Syria"),
        ["Iran", "Iraq", "Syria"]
    );
}

#[test]
fn a_place_the_text_gives_a_person_after_a_title_is_that_person() {
    assert!(
        names("John Houston, 54, was suspended. Mr Houston denied it.").is_empty(),
        "{:?}",
        names("John Houston, 54, was suspended. Mr Houston denied it.")
    );
    // The place itself, with no one of that name in the text.
    assert_eq!(
        names("Flights from Houston were delayed."),
        ["United States"]
    );
    // Not for people's aliases: "Mr Lula" is Lula.
    assert!(names("Mr Lula said so.").contains(&"Luiz Inácio Lula da Silva".to_string()));
}

#[test]
fn an_institution_of_a_place_with_one_word_between() {
    assert_eq!(
        names("The winner will be announced at the London Book Fair."),
        ["United Kingdom"]
    );
    assert!(names("a goal for Manchester United again").is_empty());
}

#[test]
fn a_surname_after_its_own_first_name_and_a_middle_name() {
    assert_eq!(
        named("its president Nursultan Abish-uly Nazarbayev."),
        [("Nazarbayev".into(), "Nursultan Nazarbayev".into())]
    );
    // Two people of that first name and surname: neither.
    assert!(named("George Xavier Bush spoke.").is_empty());
}

#[test]
fn a_former_name_names_the_state_only_before_the_rename() {
    // Undated: the year the text mentions most; no year at all, nothing.
    assert!(names("Prince of Persia: Warrior Within, the game of 2004.").is_empty());
    assert!(names("a cup of Ceylon tea").is_empty());
    assert_eq!(names("In 1920 Persia sold oil concessions."), ["Iran"]);
    assert_eq!(names("Persia and Iran in 2004"), ["Iran"]);
    // A dated brief uses its date.
    let g = g();
    let mut brief = crate::brief::Brief {
        id: "b".into(),
        body: vec!["Persia signed the treaty.".into()],
        date: Some("1921-02-26".into()),
        ..Default::default()
    };
    g.annotate(&mut brief);
    assert_eq!(brief.actors, ["/country/Iran"]);
    brief.date = Some("1935-06-01".into());
    g.annotate(&mut brief);
    assert!(brief.actors.is_empty());
    assert!(g.dropped("Prince of Persia")[0]
        .rule
        .contains("former name"));
}

#[test]
fn after_the_only_the_emirates_is_the_state() {
    assert_eq!(
        names("Oil output in the Emirates rose."),
        ["United Arab Emirates"]
    );
    assert_eq!(names("The Emirates said no."), ["United Arab Emirates"]);
    for text in [
        "Arsenal's deal with Emirates to sponsor their ground",
        "the new Emirates Stadium at Ashburton Grove",
        "the security firm RSA, and RSA Security",
    ] {
        assert!(names(text).is_empty(), "{text}: {:?}", names(text));
    }
}

#[test]
fn a_place_after_a_particle_of_a_foreign_name_is_part_of_it() {
    for text in [
        "La Fenice staged Massenet's Le Roi de Lahore.",
        "They play at the Stade de France on Saturday.",
    ] {
        assert!(names(text).is_empty(), "{text}: {:?}", names(text));
    }
    // Not after a capitalised word: the place.
    assert_eq!(names("flights from Karachi de Lahore"), ["Pakistan"]);
    assert_eq!(names("Rio de Janeiro"), ["Brazil"]);
}

#[test]
fn a_club_in_a_sport_brief_is_not_its_city() {
    assert!(names("Liverpool beat Chelsea in the Premiership.").is_empty());
    assert!(names("An own goal put Liverpool on the comeback trail.").is_empty());
    assert_eq!(
        names("Liverpool factories closed; Manchester too."),
        ["United Kingdom"]
    );
}

#[test]
fn a_us_state_is_the_united_states() {
    for text in [
        "a Georgia jury found him guilty",
        "Georgia's 6th congressional district",
        "He lives in Atlanta, Georgia, with his family.",
        "storms in Alabama and Georgia",
    ] {
        assert_eq!(names(text), ["United States"], "{text}");
    }
    assert_eq!(names("Georgia and Russia signed."), ["Georgia", "Russia"]);
    assert_eq!(names("in Tbilisi, Georgia, protesters"), ["Georgia"]);
}

#[test]
fn explain_gives_the_words_and_rule_of_each_actor_and_drop() {
    let g = g();
    let mut brief = crate::brief::Brief {
        id: "b".into(),
        title: Some("Ariel Sharon and his friend Sharon Osbourne meet".into()),
        body: vec!["Sharon said Iranian officials met in Vienna. Milan Baros scored.".into()],
        ..Default::default()
    };
    let why = g.explain(&mut brief);
    let found: Vec<(String, &str)> = why
        .found
        .iter()
        .map(|e| (g.path(e.actor).to_string(), e.rule.as_str()))
        .collect();
    assert!(found.contains(&("/person/Ariel Sharon".into(), "name")));
    assert!(found.contains(&("/person/Ariel Sharon".into(), "surname")));
    assert!(found.contains(&("/country/Israel".into(), "implied")));
    assert!(found.contains(&("/country/Iran".into(), "demonym")));
    let passages = brief.passages();
    let dropped: Vec<(String, &str, &str)> = why
        .dropped
        .iter()
        .map(|e| {
            let text = &passages[e.passage].text[e.start..e.end];
            (g.path(e.actor).to_string(), text, e.rule.as_str())
        })
        .collect();
    assert!(dropped
        .iter()
        .any(|(a, t, r)| a == "/country/Austria" && *t == "Vienna" && r.contains("venue")));
    assert!(dropped
        .iter()
        .any(|(a, t, r)| a == "/country/Italy" && *t == "Milan" && r.contains("Baros")));
    assert!(dropped
        .iter()
        .any(|(a, t, _)| a == "/person/Ariel Sharon" && *t == "Sharon"));
    // Explaining changes nothing.
    let mut plain = brief.clone();
    g.annotate(&mut plain);
    assert_eq!(plain.actors, brief.actors);
}
