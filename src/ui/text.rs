//! The ui layer's own Dutch: screen titles and key help (which name the ui's actions and
//! contexts) and the plan editor's part labels. All other text is in `strings`.

use crate::domain::plan::TextPart as T;
use crate::ui::action::{Action, Context};
use crate::ui::plan_editor::{ListPart as L, Part};

pub fn context_title(context: Context) -> &'static str {
    match context {
        Context::List => "Dossierlijst",
        Context::Filter => "Zoeken in de lijst",
        Context::Form => "Formulier",
        Context::Step => "Stap van de routekaart",
        Context::Gate => "Ontgrendelen",
        Context::Detail => "Dossier",
        Context::Help => "Help",
        Context::TooSmall => "Venster te klein",
        Context::Notice => "Melding",
        Context::PlanSections => "Plan van aanpak: hoofdstukken",
        Context::PlanText => "Plan van aanpak: tekst",
        Context::PlanList => "Plan van aanpak: lijst",
        Context::PlanMissing => "Wat ontbreekt nog",
        Context::PlanVersions => "Versies van het plan",
        Context::PlanRead => "Plan lezen",
        Context::Overview => "Escalaties",
        Context::OverviewFilter => "Zoeken in de escalaties",
        Context::ExportScreen => "Export naar het SWV",
        Context::PartnerScreen => "Tandempartners",
        Context::Dashboard => "SWV-monitor",
    }
}

/// Keys that are not remappable (text editing), listed in help where they apply.
pub fn fixed_keys(context: Context) -> &'static [(&'static str, &'static str)] {
    match context {
        Context::Form | Context::Step | Context::Gate => &[
            ("←/→", "cursor verplaatsen of keuze wisselen"),
            ("Spatie", "keuze aan/uit (domeinen)"),
            ("1-4", "domein aan/uit"),
            ("Backspace", "teken wissen / keuze leegmaken"),
            ("Ctrl-U", "veld leegmaken"),
        ],
        Context::Filter | Context::OverviewFilter => &[("Backspace", "teken wissen"), ("Ctrl-U", "zoektekst wissen")],
        Context::PlanText => &[
            ("pijltjes", "cursor verplaatsen"),
            ("Enter", "nieuwe regel"),
            ("Ctrl-←/→", "woord verder/terug"),
            ("Home/End", "begin/einde van de regel"),
            ("plakken", "uit Word of mail: Ctrl-Shift-V"),
        ],
        Context::Dashboard => &[("—", "cijfer uit minder dan 5 dossiers: niet getoond")],
        _ => &[],
    }
}

pub fn action(action: Action, context: Context) -> &'static str {
    use Action::*;
    match (action, context) {
        (Back | Interrupt, Context::Dashboard) => "stoppen",
        (Quit, _) => "stoppen",
        (Interrupt, _) => "stoppen (vraagt eerst bij wijzigingen)",
        (Help, _) => "help",
        (Up, Context::Detail | Context::Help) => "omhoog scrollen",
        (Up, Context::Dashboard) => "vorige school",
        (Down, Context::Dashboard) => "volgende school (de grafieken volgen de gekozen rij)",
        (PreviousPeriod, _) => "vorig halfjaar",
        (NextPeriod, _) => "volgend halfjaar (tot en met het huidige)",
        (Down, Context::Detail | Context::Help) => "omlaag scrollen",
        (Up, _) => "vorige",
        (Down, _) => "volgende",
        (PageUp, _) => "pagina omhoog",
        (PageDown, _) => "pagina omlaag",
        (First, _) => "naar boven",
        (Last, _) => "naar onder",
        (Filter, _) => "zoeken",
        (Open, Context::PlanList) => "wijzigen",
        (Open, Context::PlanSections) => "schrijven",
        (Open, Context::PlanMissing) => "ga erheen",
        (Open, Context::PlanVersions) => "lezen",
        (Open, _) => "openen",
        (NewCase, _) => "nieuw dossier",
        (Edit, Context::PartnerScreen) => "gedeelde map",
        (Edit, _) => "wijzigen",
        (Back, Context::List) => "filter wissen",
        (Back, Context::Filter | Context::OverviewFilter) => "zoeken stoppen",
        (Back, Context::Help | Context::PlanMissing | Context::PlanVersions | Context::PlanRead) => "sluiten",
        (Back, Context::PlanSections) => "plan sluiten",
        (Back, Context::PlanText | Context::PlanList) => "naar de hoofdstukken",
        (Back, Context::Gate) => "stoppen",
        (Back, _) => "terug",
        (NextField, _) => "volgend veld",
        (PrevField, _) => "vorig veld",
        (Submit, Context::Notice) => "verder",
        (Submit, Context::ExportScreen) => "nu exporteren",
        (Submit, Context::Gate) => "verder",
        (Submit, Context::Step) => "volgend veld / stap afronden",
        (Save, Context::Step) => "vastleggen",
        (Submit, _) => "volgend veld / knop",
        (Save, _) => "opslaan",
        (ExportAccess, _) => "inzage (export voor ouders)",
        (Plan, _) => "plan van aanpak",
        (Missing, _) => "wat ontbreekt",
        (Print, _) => "afdrukken (PDF)",
        (Versions, _) => "versies",
        (NewItem, Context::PlanVersions) => "nieuwe versie",
        (NewItem, Context::PartnerScreen) => "partner toevoegen",
        (NewItem, _) => "toevoegen",
        (Undo, _) => "ongedaan maken",
        (Redo, _) => "opnieuw",
        (NextPart, _) => "volgend onderdeel",
        (PrevPart, _) => "vorig onderdeel",
        (Compare, _) => "verschillen met vorige versie",
        (Escalate, _) => "opschalen",
        (Decide, _) => "besluit vastleggen",
        (Dismiss, _) => "suggestie terzijde",
        (Absence, _) => "verzuim",
        (EditQuestion, _) => "escalatievraag aanpassen",
        (Escalations, _) => "escalaties",
        (Agenda, _) => "E3-agenda (OGGO)",
        (Export, Context::List) => "SWV-export",
        (Export, _) => "export naar het SWV",
        (Delete, Context::PlanList) => "verwijderen",
        (Delete, Context::PartnerScreen) => "partner verwijderen",
        (Partners, _) => "tandempartners",
        (Delete, _) => "verwijderen (op verzoek)",
        (Recover, _) => "herstelcode",
        (Wizard, _) => "stap uitvoeren",
        (Consent, _) => "toestemming",
        (Settle, _) => "tegenstrijdige waarde kiezen",
        (Sync, _) => "nu synchroniseren",
        (SaveCard, _) => "kaart bewaren",
    }
}

pub fn part_label(part: Part) -> &'static str {
    match part {
        Part::Text(T::Betrokkenen) => "Betrokkenen en wie er gezag heeft",
        Part::Text(T::Vraag) => "De vraag, in hun eigen woorden",
        Part::Text(T::Krachten) => "Wat goed gaat (krachten)",
        Part::Text(T::Behoeften) => "Onderwijsbehoeften en opvoed-/ondersteuningsbehoeften",
        Part::Text(T::Factoren) => "Beschermende en risicofactoren",
        Part::Text(T::Zelf) => "Wat ouders en netwerk zelf doen",
        Part::Text(T::Criteria) => "Evaluatiecriteria",
        Part::Text(T::Delen) => "Afspraken over informatie delen",
        Part::List(L::Concerns) => "Zorgen, met prioriteit",
        Part::List(L::Division) => "Verdeling per domein en wie betaalt",
        Part::List(L::Goals) => "Doelen",
        Part::List(L::Actions) => "Acties",
        Part::List(L::Regie) => "Regiehouder",
        Part::List(L::Evaluations) => "Evaluatiedata",
        Part::List(L::Signers) => "Handtekeningen",
        Part::List(L::References) => "Verwijzingen",
    }
}
