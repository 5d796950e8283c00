"""Regenerate samples/: realistic filled-in forms (valid and defective), their config and answers.

Run `python scripts/make_samples.py [--out DIR]`. The same run gives byte-identical files.
Everything a file should read as lives in `expected.json` (and, for people, `README.md`).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlbudget.config import Config, load_config
from xlbudget.issues import MESSAGES
from xlbudget.spec import FieldKind, load_spec

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "samples"
CREATED = datetime(2020, 1, 1)  # a fixed creation time: the same run gives the same bytes
MUNICIPALITY = "Himmerby Kommune"
FIRST_YEAR = 2020
YEARS = 4
TITLE = "Budgetalternativ – drift"

# Every generated workbook's name starts with one of these; only such files are removed.
OWNED_PREFIXES = (
    "reference-",
    "plain-",
    "shifted-",
    "second-sheet-",
    "text-amounts-",
    "formulas-",
    "blank-column-",
    "label-variants-",
    "tick-below-",
    "template-",
    "defect-",
    "warning-",
)

# ---------------------------------------------------------------------------------------
# Data: the configuration, the reference form and the proposals
# ---------------------------------------------------------------------------------------

COMMITTEES: list[dict[str, Any]] = [
    {"name": "Økonomiudvalget", "prefix": "ØK", "aliases": ["ØU"]},
    {"name": "Børne- og Familieudvalget", "prefix": "BF", "aliases": ["BFU"]},
    {"name": "Teknik- og Miljøudvalget", "prefix": "TM", "aliases": ["TMU"]},
    {"name": "Social- og Sundhedsudvalget", "prefix": "SS", "aliases": ["SSU"]},
    {"name": "Kultur- og Fritidsudvalget", "prefix": "KF", "aliases": ["KFU"]},
    {"name": "Beskæftigelsesudvalget", "prefix": "BE", "aliases": ["BEU"]},
]

# The labels of the real form, column A of reference/budgetalternativ-drift-BFdr-001.tsv.
REFERENCE_LABELS: dict[str, str] = {
    "kind": "Sæt kryds i Råderum eller Ønske",
    "nr": "Nr.",
    "committee": "Udvalg",
    "department": "Afdeling/Institution",
    "years": "I 1.000 kr.",
    "amounts": "Budgetændring + = udgifter, - = indtægter",
    "subject": "Emne",
    "accounts": "Profitcenter & F3-niveau",
    "description": "Beskrivelse:",
    "key_figures": "Nøgletal (Angiv relevante nøgletal for kommunen i forhold til andre kommuner – beskriv evt. udgiftsniveau):",
    "focus_areas": "Betydning for Vesthimmerlands Kommunes fokusområder (Vores liv, Vores vækst og Vores børn og unge):",
    "development_goals": "Betydning for områdets udviklingsmål / politikker:",
    "other_areas": "Eventuel indvirkning på andre områder af den kommunale virksomhed:",
    "service_consequences": "Konsekvenser for service til borgerne:",
    "staff_consequences": "Personalemæssige konsekvenser:",
    "consultation": "Høringsberettigede. Hvem er høringsberettiget (MED, andre – se drejebog for høring):",
    "rate_change": "Afledt ændring i taksten for området:",
}

# Labels as departments reword them; every one still matches the spec's patterns.
LABEL_VARIANTS: dict[str, str] = {
    "kind": "Sæt X ved Råderum eller Ønske",
    "nr": "NR.",
    "committee": "Udvalg:",
    "department": "Afdeling / Institution",
    "years": "Beløb i 1.000 kr.",
    "amounts": "Budgetændring (+ = udgifter, - = indtægter)",
    "subject": "Emne:",
    "accounts": "Profitcenter og F3-niveau",
    "description": "Beskrivelse",
    "key_figures": "Nøgletal:",
    "focus_areas": "Betydning for Himmerby Kommunes fokusområder:",
    "development_goals": "Betydning for områdets udviklingsmål/politikker",
    "other_areas": "Evt. indvirkning på andre områder af den kommunale virksomhed",
    "service_consequences": "Konsekvenser for servicen til borgerne",
    "staff_consequences": "Personalemæssige konsekvenser",
    "consultation": "Høringsberettigede:",
    "rate_change": "Afledt ændring i taksterne for området",
}

# The real form, value for value as the TSV shows it.
REFERENCE: dict[str, Any] = {
    "kind": "Ønske",
    "nr": "BFdr-001",
    "committee": "Børne og Familieudvalget",
    "department": "Skole- og dagtilbudsområdet",
    "subject": "Digitaliseringsstrategi for skole og dagtilbud",
    "accounts": "03.22.01 Folkeskoler og 05.25.14 Daginstitutioner",
    "amounts": [800, 800, 800, 800],
    "description": '<p>Med vedtagelsen af 2022-planen den 6. marts 2018 blev det besluttet, at der skulle udarbejdes en digitaliseringsstrategi for skole- og dagtilbudsområdet, der var kommitteret til rundt på skole og dagtilbud.</p> <p>Digitaliseringsstrategien, handleplanen og investeringsplanen blev vedtaget af Børne- og Familieudvalget den 7. maj 2019. Planens implementering er under forudsætning af, at der sker en permanent forøgelse af driftsbudgettet fra 2020 til IT til 3 mio. kr. om året. Altså en stigning på 800.000 kr. i forhold til nuværende budget på 2,2 mio. kr.</p> <p>Digitaliseringsstrategien vil sikre, at alle børn fra 0 - 16 år bliver understøttet i de fire kerneområder:</p> <ul style="list-style-type: none"> - Digital dannelse og digitale færdigheder - Leg, trivsel og læring - Professionelle læringsfællesskaber - Samarbejde mellem forældre og institution. <p>Derudover er der en væsentlig investering i ens devise, uddannelse og udbygning af netværket.</p>',
    "key_figures": "Ingen aktuelle nøgletal.",
    "focus_areas": "Understøtter fokus områderne bosætning og børn og unge, da Vesthimmerlands Kommune fremstår fremsynet og ambitiøs også på digitaliseringsområdet.",
    "development_goals": "Følger 2022planens mål og indsatser. Fremmer børn og unges tilgang til digitalisering som både digitale brugere og kritiske borgere.",
    "other_areas": "Positiv afsmitning på ungdomsuddannelserne, da vore børn og unge kommer med et sikkert digitalt aftryk.",
    "service_consequences": "Ensartede og tidssvarende digitale enheder i såvel dagtilbud som skole. Et stabilt netværk som sikrer at der ikke opleves udfald på netværket. Efteruddannelse af medarbejderne.",
    "staff_consequences": "Ingen personalemæssige konsekvenser",
    "consultation": '<ul style="list-style-type: none"> ○ MED i daginstitutioner ○ MED på folkeskolerne ○ Forældrebestyrelser i daginstitutioner ○ Skolebestyrelser på skoler ',
    "rate_change": "Ikke aktuelt.",
}

# Himmerby Kommune's proposals. Råderum: savings and new income (negative);
# Ønske: expansions (positive). The committee is spelled as the department typed it.
PROPOSALS: list[dict[str, Any]] = [
    {
        "nr": "TMdr-001",
        "kind": "Råderum",
        "committee": "Teknik og Miljøudvalget",
        "department": "Vej og Park",
        "subject": "Naturpleje i stedet for græsslåning i rabatter og parker",
        "accounts": "00.28.20 Grønne områder og naturpladser og 02.28.11 Vejvedligeholdelse mv.",
        "amounts": [-250, -500, -500, -500],
        "description": "Forslaget omlægger plejen af kommunens rabatter og udvalgte grønne områder fra intensiv græsslåning til naturpleje. Rabatter i det åbne land slås fremover én gang årligt i september, mens sikkerhedsklip ved kryds og oversigtsarealer fastholdes. Udvalgte parkarealer omlægges til blomstereng, som kun slås to gange om året. Besparelsen er mindre i 2020, fordi omlægningen sker gradvist og kræver indkøb af en slåmaskine med opsamler.",
        "key_figures": "Himmerby Kommune bruger 412 kr. pr. indbygger på grønne områder mod 356 kr. i landsgennemsnittet (ECO-nøgletal 2018).",
        "focus_areas": "Understøtter fokusområdet Vores natur, da flere blomstrende rabatter styrker biodiversiteten.",
        "development_goals": "Følger natur- og biodiversitetspolitikken, der sigter mod mere vild natur på kommunens arealer.",
        "other_areas": "Ingen.",
        "service_consequences": "Borgerne vil opleve højere græs i rabatterne og mindre velklippede parkarealer. Trafiksikkerheden fastholdes gennem sikkerhedsklip ved kryds.",
        "staff_consequences": "Svarer til 0,8 årsværk, som reduceres ved naturlig afgang.",
        "consultation": "<ul><li>MED-udvalget for Vej og Park</li><li>Grønt Råd</li></ul>",
        "rate_change": "Ingen.",
    },
    {
        "nr": "ØKdr-001",
        "kind": "Ønske",
        "committee": "Økonomiudvalget",
        "department": "Økonomi og Personale",
        "subject": "Indkøbskonsulent til styrket aftaleoverholdelse",
        "accounts": "06.45.51 Sekretariat og forvaltninger",
        "amounts": [450, 450, 450, 450],
        "description": "Kommunens indkøbsaftaler er spredt på mange leverandører, og kun 68 % af indkøbene sker i dag på aftale. Forslaget opretter en stilling som indkøbskonsulent i Økonomi og Personale, der skal styrke udbudsplanlægningen og følge op på aftaleoverholdelsen. Stillingen forventes på sigt at hente besparelser på indkøb, som indarbejdes i senere budgetter. Beløbet dækker løn, efteruddannelse og licens til et værktøj til indkøbsanalyser.",
        "key_figures": "Aftaleoverholdelsen er 68 % i Himmerby Kommune mod 80 % i sammenlignelige kommuner (KL's indkøbsanalyse 2018).",
        "focus_areas": "Understøtter fokusområdet Vores vækst gennem bedre brug af kommunens midler.",
        "development_goals": "Følger kommunens indkøbs- og udbudspolitik.",
        "other_areas": "Alle fagområder får hjælp til indkøb og udbud, og aftaleoverholdelsen forventes at stige på tværs af kommunen.",
        "service_consequences": "Ingen direkte konsekvenser for borgerne.",
        "staff_consequences": "En ny stilling som indkøbskonsulent.",
        "consultation": "Hoved-MED.",
        "rate_change": "Ikke aktuelt.",
    },
    {
        "nr": "SSdr-001",
        "kind": "Råderum",
        "committee": "Social- og Sundhedsudvalget",
        "department": "Ældre og Sundhed",
        "subject": "Velfærdsteknologi i hjemmeplejen",
        "accounts": "05.32.32 Pleje og omsorg mv. af ældre og handicappede og 05.32.35 Hjælpemidler, forbrugsgoder, boligindretning og befordring",
        "amounts": [-300, -600, -900, -900],
        "description": "<p>Forslaget udbreder velfærdsteknologi i hjemmeplejen, så flere borgere bliver selvhjulpne i eget hjem.</p><p>Der indkøbes i alt 40 vasketoiletter og 15 spiserobotter, og hjemmeplejens medarbejdere uddannes i at introducere teknologien for borgerne. Erfaringer fra andre kommuner viser 10-15 % færre besøg til personlig pleje hos de borgere, der tager teknologien i brug.</p><ul><li>2020: 15 vasketoiletter og 5 spiserobotter</li><li>2021: 15 vasketoiletter og 5 spiserobotter</li><li>2022: 10 vasketoiletter og 5 spiserobotter</li></ul><p>Udgiften til indkøb og service er modregnet i besparelsen.</p>",
        "key_figures": "Himmerby Kommune bruger 52.100 kr. pr. borger over 65 år på ældreområdet mod 48.900 kr. i regionen.",
        "focus_areas": "Understøtter fokusområdet Vores liv: borgerne bevarer deres selvstændighed og værdighed længere.",
        "development_goals": "Følger ældrepolitikkens mål om hverdagsrehabilitering og selvhjulpenhed.",
        "other_areas": "Hjælpemiddeldepotet får flere opgaver med udlevering og service af udstyret.",
        "service_consequences": "Borgere, der tager teknologien i brug, får færre besøg til personlig pleje. Ingen borger får teknologi mod sin vilje.",
        "staff_consequences": "Svarer til 2 årsværk i hjemmeplejen fra 2022, som reduceres ved naturlig afgang.",
        "consultation": "<ul><li>MED-udvalget i Ældre og Sundhed</li><li>Ældrerådet</li><li>Handicaprådet</li></ul>",
        "rate_change": "Ingen.",
    },
    {
        "nr": "KFdr-001",
        "kind": "Ønske",
        "committee": "Kultur & Fritidsudvalget",
        "department": "Himmerby Bibliotekerne",
        "subject": "Åbne biblioteker om søndagen",
        "accounts": "03.32.50 Folkebiblioteker",
        "amounts": [350, 350, 350, 350],
        "description": "Hovedbiblioteket i Himmerby og filialen i Aalestrup holder i dag lukket om søndagen. Forslaget giver betjent åbent søndag kl. 12-16 i vinterhalvåret og selvbetjent åbent kl. 10-18 hele året. Beløbet dækker løn til personale, vagtordning og en udvidelse af adgangssystemet. Søndagsåbning er efterspurgt af både børnefamilier og studerende i brugerundersøgelsen fra 2019.",
        "key_figures": "Udlånet pr. indbygger er 7,9 mod 8,6 på landsplan; besøgstallet er faldet 4 % siden 2016.",
        "focus_areas": "Understøtter fokusområderne Vores liv og Vores børn og unge.",
        "development_goals": "Følger kulturpolitikkens mål om, at bibliotekerne skal være åbne mødesteder.",
        "other_areas": "Skolerne kan bruge bibliotekerne til lektiecafé i weekenden.",
        "service_consequences": "Længere åbningstid og betjening om søndagen i vinterhalvåret.",
        "staff_consequences": "Svarer til 0,6 årsværk; vagterne dækkes af eksisterende personale med tillæg.",
        "consultation": "MED-udvalget for bibliotekerne.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "BEdr-001",
        "kind": "Råderum",
        "committee": "Beskæftigelsesudvalget",
        "department": "Jobcenter Himmerby",
        "subject": "Hjemtagning af eksterne aktiveringsforløb",
        "accounts": "05.68.90 Driftsudgifter til den kommunale beskæftigelsesindsats og 06.45.53 Administration vedrørende jobcentre",
        "amounts": [-250, -500, -1200, -1200],
        "description": "Jobcentret køber i dag hovedparten af de vejledende og opkvalificerende forløb for ledige hos eksterne aktører. Forslaget hjemtager forløbene gradvist til jobcentrets eget værksted i Himmerby, hvor de kan tilrettelægges tættere på virksomhederne. Aftalerne med de eksterne aktører udløber i 2020 og 2021, så den fulde besparelse først opnås fra 2022. Der er taget højde for udgifter til lokaler og to nye værkstedsmedarbejdere.",
        "key_figures": "Udgiften til eksterne forløb er 2.950 kr. pr. ledig mod 2.100 kr. i klyngen af sammenlignelige kommuner.",
        "focus_areas": "Understøtter fokusområdet Vores vækst: flere ledige kommer hurtigere i job i lokale virksomheder.",
        "development_goals": "Følger beskæftigelsesplanens mål om en virksomhedsrettet indsats.",
        "other_areas": "Ingen.",
        "service_consequences": "Ledige får forløb i Himmerby frem for i Aalborg og dermed kortere transport.",
        "staff_consequences": "To nye stillinger som værkstedsmedarbejdere.",
        "consultation": "<ul><li>MED-udvalget i Jobcenter Himmerby</li><li>Det lokale beskæftigelsesråd</li></ul>",
        "rate_change": "Ikke aktuelt.",
    },
    {
        "nr": "SSdr-002",
        "kind": "Ønske",
        "committee": "Social og Sundhedsudvalget",
        "department": "Handicap og Psykiatri",
        "subject": "Flere pladser i aktivitets- og samværstilbud",
        "accounts": "05.38.59 Aktivitets- og samværstilbud (§ 104)",
        "amounts": [800, 1200, 1200, 1200],
        "description": "Ventelisten til kommunens aktivitets- og samværstilbud er vokset til 14 borgere med psykisk sygdom. Forslaget udvider tilbuddet i Værestedet Møllen med 12 pladser og længere åbningstid om aftenen. Uden udvidelsen må flere borgere visiteres til dyrere tilbud i andre kommuner. Første år er lavere, fordi udvidelsen først får fuld effekt fra 1. maj 2020.",
        "key_figures": "Udgiften pr. indbygger til § 104-tilbud er 410 kr. mod 520 kr. i landsgennemsnittet.",
        "focus_areas": "Understøtter fokusområdet Vores liv.",
        "development_goals": "Følger handicap- og psykiatripolitikkens mål om inklusion og nære tilbud.",
        "other_areas": "Kan mindske presset på jobcentret og sundhedsområdet.",
        "service_consequences": "Kortere ventetid og aftenåbent for borgere med psykisk sygdom.",
        "staff_consequences": "To nye stillinger som socialpædagog.",
        "consultation": "<ul><li>MED-udvalget i Handicap og Psykiatri</li><li>Handicaprådet</li></ul>",
        "rate_change": "Ingen ændring af takster for eksterne købere.",
    },
    {
        "nr": "TMdr-002",
        "kind": "Ønske",
        "committee": "Teknik- og Miljøudvalget",
        "department": "Vej og Park",
        "subject": "Vintertjeneste på cykelstier før kl. 7",
        "accounts": "02.28.14 Vintertjeneste",
        "amounts": [800, 800, 900, 900],
        "description": "Cykelstierne ryddes i dag efter vejene, ofte først efter kl. 9. Forslaget hæver serviceniveauet, så skoleveje og cykelstier mellem byerne er saltet eller ryddet inden kl. 7. Beløbet dækker to ekstra udkørende hold og indkøb af en smal saltspreder. Udgiften stiger fra 2022, når kontrakten med entreprenøren fornyes.",
        "key_figures": "Himmerby Kommune har 86 km cykelsti; 31 km er skoleveje.",
        "focus_areas": "Understøtter fokusområderne Vores børn og unge og Vores liv.",
        "development_goals": "Følger trafiksikkerhedsplanen og cykelstrategien.",
        "other_areas": "Flere elever kan cykle i skole om vinteren.",
        "service_consequences": "Ryddede og saltede cykelstier om morgenen.",
        "staff_consequences": "Ekstra rådighedsvagter i vintersæsonen.",
        "consultation": "MED-udvalget for Vej og Park.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "BFdr-003",
        "kind": "Råderum",
        "committee": "BFU",
        "department": "Dagplejen",
        "subject": "Gæstepleje samlet i to legestuehuse",
        "accounts": "05.25.11 Dagpleje",
        "amounts": [-150, -300, -300, -300],
        "description": "<p>Når en dagplejer er syg eller på ferie, passes børnene i dag hos en anden dagplejer eller i et af fem gæstehuse.</p><p>Forslaget samler gæsteplejen i to legestuehuse i Himmerby og Aars, hvor der altid er kendte voksne. Tre mindre gæstehuse lukkes, og huslejen spares. Besparelsen er halv i 2020, da lejemålene først kan opsiges til 1. juli.</p>",
        "key_figures": "Der er 62 dagplejere og 248 børn i dagplejen (januar 2019).",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge gennem stabil gæstepleje med kendte voksne.",
        "development_goals": "I tråd med dagtilbudspolitikken.",
        "other_areas": "Ingen.",
        "service_consequences": "Nogle familier får længere til gæsteplejen.",
        "staff_consequences": "Ingen personalemæssige konsekvenser.",
        "consultation": "<ul><li>MED-udvalget i Dagplejen</li><li>Forældrebestyrelsen for Dagplejen</li></ul>",
        "rate_change": "Ingen ændring i forældrebetalingen.",
    },
    {
        "nr": "KFdr-002",
        "kind": "Råderum",
        "committee": "kultur- og fritidsudvalget",
        "department": "Kultur og Fritid",
        "subject": "Lavere lokaletilskud til private lokaler",
        "accounts": "03.38.74 Lokaletilskud og 03.38.73 Frivilligt folkeoplysende foreningsarbejde",
        "amounts": [-200, -400, -400, -400],
        "description": "Foreninger, der lejer private lokaler, får i dag 75 % af udgiften dækket. Forslaget sænker tilskuddet til lovens minimum på 65 % fra 1. juli 2020. Foreningerne tilbydes samtidig ledige kommunale lokaler uden betaling. Besparelsen er halv i 2020.",
        "key_figures": "Lokaletilskuddet udgør 3,1 mio. kr. til 46 foreninger.",
        "focus_areas": "Understøtter fokusområdet Vores liv gennem bedre brug af kommunens lokaler.",
        "development_goals": "Følger folkeoplysningspolitikken.",
        "other_areas": "Flere foreninger vil bruge skolernes lokaler om aftenen.",
        "service_consequences": "Foreninger i private lokaler får et mindre tilskud.",
        "staff_consequences": "Ingen.",
        "consultation": "Folkeoplysningsudvalget.",
        "rate_change": "Ikke aktuelt.",
    },
    {
        "nr": "SSdr-003",
        "kind": "Ønske",
        "committee": "Social- og sundhedsudvalget",
        "department": "Sundhed og Træning",
        "subject": "Genoptræning samme uge som udskrivning",
        "accounts": "04.62.82 Kommunal genoptræning og vedligeholdelsestræning",
        "amounts": [600, 600, 600, 600],
        "description": "Ventetiden til genoptræning efter udskrivning fra sygehus er i gennemsnit 11 dage. Forslaget ansætter to fysioterapeuter, så genoptræningen kan starte i samme uge som udskrivningen. Tidlig genoptræning mindsker risikoen for genindlæggelse og behovet for hjemmepleje. Beløbet er årligt og fast.",
        "key_figures": "Ventetiden er 11 dage mod 7 dage i regionen; 1.240 genoptræningsplaner i 2018.",
        "focus_areas": "Understøtter fokusområdet Vores liv.",
        "development_goals": "Følger sundhedspolitikkens mål om sammenhængende forløb.",
        "other_areas": "Kan give færre genindlæggelser og mindre hjemmepleje.",
        "service_consequences": "Kortere ventetid til genoptræning.",
        "staff_consequences": "To nye stillinger som fysioterapeut.",
        "consultation": "<ul><li>MED-udvalget i Sundhed og Træning</li><li>Ældrerådet</li></ul>",
        "rate_change": "Ingen.",
    },
    {
        "nr": "BFdr-002",
        "kind": "Ønske",
        "committee": "Børne og Familieudvalget",
        "department": "Skole- og dagtilbudsområdet",
        "subject": "To voksne i dansk og matematik i indskolingen",
        "accounts": "03.22.01 Folkeskoler",
        "amounts": [1500, 2500, 2500, 2500],
        "description": "<p>Forslaget giver to voksne i 4 af ugens dansk- og matematiktimer i 0.-3. klasse på alle kommunens skoler.</p><p>Den ekstra voksne er en pædagog eller lærer, der arbejder med de elever, der har brug for mere støtte i læsning og regning. Ordningen starter 1. august 2020, så beløbet er lavere i 2020. Effekten følges i de nationale test og i trivselsmålingen.</p>",
        "key_figures": "21 % af eleverne i 2. klasse læser under middel mod 17 % på landsplan.",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge.",
        "development_goals": "Følger skolepolitikkens mål om, at alle elever skal blive så dygtige, de kan.",
        "other_areas": "Færre elever forventes henvist til specialundervisning.",
        "service_consequences": "Mere støtte til elever i indskolingen.",
        "staff_consequences": "Svarer til 5 årsværk fra skoleåret 2020/21.",
        "consultation": "<ul><li>MED på folkeskolerne</li><li>Skolebestyrelser på skoler</li></ul>",
        "rate_change": "Ingen.",
    },
    {
        "nr": "TMdr-003",
        "kind": "Råderum",
        "committee": "Teknik- og Miljøudvalget",
        "department": "Vej og Park",
        "subject": "Natsænkning af vejbelysningen",
        "accounts": "02.28.11 Vejvedligeholdelse mv.",
        "amounts": [-200, -350, -350, -350],
        "description": "Vejbelysningen på kommunens veje uden for byerne lyser i dag hele natten med fuld styrke. Forslaget dæmper lyset med 50 % mellem kl. 23 og 5 på veje med LED-armaturer. Ved skoleveje og fodgængerfelter fastholdes fuld belysning. Besparelsen på el er lavere i 2020, fordi styringen skal installeres først.",
        "key_figures": "Kommunen har 9.400 lyspunkter; 6.100 er udskiftet til LED.",
        "focus_areas": "Understøtter fokusområdet Vores natur gennem et lavere energiforbrug.",
        "development_goals": "Følger klimaplanens mål om lavere CO2-udledning.",
        "other_areas": "Ingen.",
        "service_consequences": "Svagere vejbelysning om natten uden for byerne.",
        "staff_consequences": "Ingen.",
        "consultation": "Politiet og Trafiksikkerhedsrådet.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "BEdr-002",
        "kind": "Ønske",
        "committee": "Beskæftigelsesudvalget",
        "department": "Jobcenter Himmerby",
        "subject": "Virksomhedskonsulenter til småjob for ledige på kanten",
        "accounts": "05.68.98 Beskæftigelsesordninger",
        "amounts": [500, 500, 250, 0],
        "description": "Forslaget er et treårigt projekt, hvor to virksomhedskonsulenter finder småjob på få timer om ugen til borgere på kontanthjælp. Erfaringer fra andre kommuner viser, at småjob er et godt første skridt mod ordinær beskæftigelse. Projektet evalueres i 2022, og udgiften er derfor halv det år og ophører i 2023.",
        "key_figures": "612 borgere på kontanthjælp; 58 % har ikke haft løntimer de seneste tre år.",
        "focus_areas": "Understøtter fokusområdet Vores vækst.",
        "development_goals": "Følger beskæftigelsesplanens mål om, at flere kommer i job.",
        "other_areas": "Lavere udgifter til forsørgelse, hvis projektet lykkes.",
        "service_consequences": "Tættere opfølgning og hjælp til at finde job.",
        "staff_consequences": "To midlertidige stillinger som virksomhedskonsulent.",
        "consultation": "Det lokale beskæftigelsesråd.",
        "rate_change": "Ikke aktuelt.",
    },
    {
        "nr": "ØKdr-002",
        "kind": "Råderum",
        "committee": "ØU",
        "department": "Borgerservice og IT",
        "subject": "Færre printere og papirløse møder",
        "accounts": "06.45.51 Sekretariat og forvaltninger og 06.45.52 Fælles IT og telefoni",
        "amounts": [-120, -240, -240, -240],
        "description": "Kommunen har 310 printere, og de fleste møder har stadig papirbilag. Forslaget halverer antallet af printere med fælles printere ved kopirummene og indfører papirløse møder i alle udvalg og ledergrupper. Besparelsen kommer fra leasing, toner og papir. I 2020 er besparelsen halv, fordi leasingaftalerne udløber løbende.",
        "key_figures": "Kommunen printer 4,2 mio. sider om året.",
        "focus_areas": "Understøtter fokusområdet Vores natur.",
        "development_goals": "Følger digitaliseringsstrategien.",
        "other_areas": "Alle afdelinger skal omstille sig til fælles printere.",
        "service_consequences": "Ingen.",
        "staff_consequences": "Ingen.",
        "consultation": "Hoved-MED.",
        "rate_change": "Ikke aktuelt.",
    },
    # --- the proposals behind the defective forms
    {
        "nr": "KFdr-003",
        "kind": "Ønske",
        "committee": "Kultur- og Fritidsudvalget",
        "department": "Kultur og Fritid",
        "subject": "Driftstilskud til kunstgræsbanen i Aars",
        "accounts": "00.32.31 Stadions og idrætsanlæg",
        "amounts": [150, 150, 150, 150],
        "description": "Aars Idrætsforening har med fondsmidler anlagt en kunstgræsbane, som åbner i foråret 2020. Banen bruges også af skolerne i dagtimerne. Forslaget giver et årligt driftstilskud til vedligehold, børstning og snerydning af banen.",
        "key_figures": "Kommunen har én kunstgræsbane pr. 25.000 indbyggere mod én pr. 15.000 på landsplan.",
        "focus_areas": "Understøtter fokusområdet Vores liv.",
        "development_goals": "Følger idrætspolitikken.",
        "other_areas": "Skolerne kan bruge banen til idræt om vinteren.",
        "service_consequences": "Bedre træningsforhold hele året.",
        "staff_consequences": "Ingen.",
        "consultation": "Folkeoplysningsudvalget.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "BEdr-003",
        "kind": "Ønske",
        "committee": "Beskæftigelsesudvalget",
        "department": "Ungeenheden",
        "subject": "Mentorer til unge uden uddannelse",
        "accounts": "05.68.98 Beskæftigelsesordninger",
        "amounts": [200, 200, 200, 200],
        "description": "Forslaget giver de unge i uddannelsespålæg en fast mentor i op til et år. Mentoren følger den unge fra jobcentret ind i uddannelsen og det første halve år af den. Indsatsen skal halvere frafaldet i det første år.",
        "key_figures": "14 % af de 25-årige har ingen ungdomsuddannelse mod 11 % på landsplan.",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge.",
        "development_goals": "Følger ungestrategien.",
        "other_areas": "Færre unge på uddannelseshjælp.",
        "service_consequences": "Fast kontaktperson for den unge.",
        "staff_consequences": "Ingen; mentorerne købes hos ungdomsskolen.",
        "consultation": "Ungdomsskolebestyrelsen.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "SSdr-004",
        "kind": "Råderum",
        "committee": "Social- og Sundhedsudvalget",
        "department": "Ældre og Sundhed",
        "subject": "Fælles køkken til plejecentrene",
        "accounts": "05.32.32 Pleje og omsorg mv. af ældre og handicappede",
        "amounts": [-400, -800, -800, -800],
        "description": "De fire plejecentre laver i dag hver deres mad. Forslaget samler produktionen i centralkøkkenet i Himmerby, mens plejecentrene fortsat anretter og bager selv. Besparelsen er halv i 2020, fordi centralkøkkenet skal udvides.",
        "key_figures": "Kostprisen pr. døgnkost er 118 kr. mod 96 kr. i centralkøkkenet.",
        "focus_areas": "Understøtter fokusområdet Vores liv.",
        "development_goals": "Følger kostpolitikken for ældre.",
        "other_areas": "Ingen.",
        "service_consequences": "Beboerne får mad fra centralkøkkenet; duften af madlavning bevares ved anretning.",
        "staff_consequences": "Svarer til 3 årsværk i køkkenerne.",
        "consultation": "<ul><li>MED-udvalg på plejecentrene</li><li>Ældrerådet</li><li>Bruger- og pårørenderåd</li></ul>",
        "rate_change": "Ingen ændring i betalingen for mad.",
    },
    {
        "nr": "ØKdr-003",
        "kind": "Ønske",
        "committee": "Økonomiudvalget",
        "department": "Borgerservice og IT",
        "subject": "Borgerservice åben torsdag aften",
        "accounts": "06.45.51 Sekretariat og forvaltninger",
        "amounts": [300, 300, 300, 300],
        "description": "Borgerservice har åbent i dagtimerne. Forslaget holder åbent torsdag til kl. 18, så borgere i arbejde kan få hjælp med pas, kørekort og digital post. Beløbet dækker løn til to medarbejdere om aftenen.",
        "key_figures": "Borgerservice har 38.000 henvendelser om året.",
        "focus_areas": "Understøtter fokusområdet Vores liv.",
        "development_goals": "Følger servicepolitikken.",
        "other_areas": "Ingen.",
        "service_consequences": "Længere åbningstid torsdag.",
        "staff_consequences": "Aftenvagter med tillæg.",
        "consultation": "MED-udvalget i Borgerservice og IT.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "TMdr-004",
        "kind": "Ønske",
        "committee": "Børne- og Familieudvalget",
        "department": "Dagtilbud",
        "subject": "Sprogpakker i alle daginstitutioner",
        "accounts": "05.25.14 Daginstitutioner",
        "amounts": [250, 250, 250, 250],
        "description": "Forslaget uddanner en sprogpædagog i hver daginstitution og indkøber materialer til dialogisk læsning. Sprogvurderingen af 3-årige viser, at flere børn end før har brug for en særlig indsats. Beløbet dækker uddannelse, vikardækning og materialer.",
        "key_figures": "18 % af de 3-årige har behov for en særlig sprogindsats mod 14 % på landsplan.",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge.",
        "development_goals": "Følger dagtilbudspolitikken.",
        "other_areas": "Bedre skolestart.",
        "service_consequences": "Styrket sprogarbejde i dagtilbud.",
        "staff_consequences": "Efteruddannelse af 14 pædagoger.",
        "consultation": "<ul><li>MED i daginstitutioner</li><li>Forældrebestyrelser i daginstitutioner</li></ul>",
        "rate_change": "Ingen.",
    },
    {
        "nr": "TMdr-005",
        "kind": "Råderum",
        "committee": "Teknik og Miljøudvalget",
        "department": "Trafik og Parkering",
        "subject": "Betalingsparkering ved havnen i sommerhalvåret",
        "accounts": "02.22.05 Driftsbygninger og -pladser",
        "amounts": [-100, -200, -200, -200],
        "description": "Parkeringspladserne ved havnen er fulde i sommerhalvåret, ofte med langtidsparkerede biler. Forslaget indfører betalingsparkering fra 1. maj til 30. september med de første to timer gratis. Indtægten er fratrukket udgifter til automater og kontrol.",
        "key_figures": "Havnen har 240 parkeringspladser.",
        "focus_areas": "Understøtter fokusområdet Vores vækst.",
        "development_goals": "Følger trafikplanen.",
        "other_areas": "Ingen.",
        "service_consequences": "Betaling for at parkere mere end to timer ved havnen.",
        "staff_consequences": "Ingen.",
        "consultation": "Himmerby Handelsstandsforening.",
        "rate_change": "Ny takst for parkering ved havnen.",
    },
    {
        "nr": "RFdr-001",
        "kind": "Ønske",
        "committee": "Udvalget for Rumfart",
        "department": "Erhverv og Udvikling",
        "subject": "Medlemskab af Nordjysk Rumfartsnetværk",
        "accounts": "06.48.67 Erhvervsservice og iværksætteri",
        "amounts": [75, 75, 75, 75],
        "description": "To virksomheder i Himmerby leverer komponenter til satellitter. Forslaget melder kommunen ind i Nordjysk Rumfartsnetværk og finansierer en årlig erhvervskonference. Netværket giver adgang til EU-midler til udvikling.",
        "key_figures": "Ingen aktuelle nøgletal.",
        "focus_areas": "Understøtter fokusområdet Vores vækst.",
        "development_goals": "Følger erhvervsstrategien.",
        "other_areas": "Ingen.",
        "service_consequences": "Ingen.",
        "staff_consequences": "Ingen.",
        "consultation": "Erhvervsrådet.",
        "rate_change": "Ingen.",
    },
    {
        "nr": "KFdr-004",
        "kind": "Ønske",
        "committee": "Kultur- og Fritidsudvalget",
        "department": "Himmerby Musikskole",
        "subject": "Talentlinje på musikskolen",
        "accounts": "03.35.64 Andre kulturelle opgaver",
        "amounts": [120, 120, 120, 120],
        "description": "Forslaget opretter en talentlinje for 15 elever med ekstra undervisning, sammenspil og koncerter. Talentlinjen skal samarbejde med MGK Nordjylland. Beløbet dækker undervisningstimer og koncertudgifter.",
        "key_figures": "Musikskolen har 640 elever.",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge.",
        "development_goals": "Følger kulturpolitikken.",
        "other_areas": "Ingen.",
        "service_consequences": "Et nyt tilbud til talentfulde elever.",
        "staff_consequences": "Flere timer til musikskolelærerne.",
        "consultation": "Musikskolens bestyrelse.",
        "rate_change": "Ingen ændring i elevbetalingen.",
    },
    {
        "nr": "BFdr-005",
        "kind": "Ønske",
        "committee": "Børne- og Familieudvalget",
        "department": "Skole- og dagtilbudsområdet",
        "subject": "Flere pædagogtimer i SFO",
        "accounts": "03.22.05 Skolefritidsordninger",
        "amounts": [800000, 800000, 800000, 800000],
        "description": "Normeringen i SFO er faldet, mens børnetallet er steget. Forslaget giver 10 pædagogtimer mere om ugen til hver SFO. Beløbet dækker løn til pædagoger.",
        "key_figures": "Der er 1.150 børn i SFO.",
        "focus_areas": "Understøtter fokusområdet Vores børn og unge.",
        "development_goals": "Følger skolepolitikken.",
        "other_areas": "Ingen.",
        "service_consequences": "Flere voksne i SFO om eftermiddagen.",
        "staff_consequences": "Svarer til 3 årsværk.",
        "consultation": "<ul><li>MED på folkeskolerne</li><li>Skolebestyrelser på skoler</li></ul>",
        "rate_change": "Ingen ændring i forældrebetalingen.",
    },
]


# ---------------------------------------------------------------------------------------
# Samples: which proposal goes into which layout, and what is wrong with it
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """An amount typed as a formula, with the value Excel would have cached."""

    text: str
    value: int


Typed = int | float | str | Formula | None
Cells = dict[str, str]
Writer = Callable[[Path, "Sample", Config], Cells]


@dataclass(frozen=True)
class Sample:
    """One sample file: its name, layout writer, proposal and what is deliberately wrong."""

    filename: str
    writer: Writer
    proposal: dict[str, Any]
    note: str = ""
    typed: tuple[Typed, ...] | None = None  # the amounts as typed, when not plain numbers
    first_year: int = FIRST_YEAR
    tick: str = "pairs"  # reference | pairs | both | below: how the kind is ticked
    mark: str = "X"
    issues: tuple[tuple[str, str, str], ...] = ()  # (code, field, key into the cell map)
    changes: dict[str, Any] = field(default_factory=dict)  # field values overriding the proposal

    @property
    def values(self) -> dict[str, Any]:
        """The proposal as this file carries it."""
        return self.proposal | self.changes

    @property
    def amounts_typed(self) -> tuple[Typed, ...]:
        """The amount cells as typed."""
        return self.typed if self.typed is not None else tuple(self.values["amounts"])


def proposal(nr: str) -> dict[str, Any]:
    """The proposal with this number."""
    return next(p for p in PROPOSALS if p["nr"] == nr)


def samples() -> list[Sample]:
    """Every sample file, valid ones first."""
    return [
        Sample(
            "reference-BFdr-001.xlsx",
            write_reference,
            REFERENCE,
            "the real form, cell for cell; amounts typed as text +800",
            typed=("+800",) * 4,
            tick="reference",
        ),
        Sample(
            "plain-TMdr-001.xlsx",
            write_plain,
            proposal("TMdr-001"),
            "Råderum ticked as `Råderum | X | Ønske |`",
        ),
        Sample(
            "plain-OEKdr-001.xlsx",
            write_plain,
            proposal("ØKdr-001"),
            "Ønske ticked as `Råderum | | Ønske | X`",
        ),
        Sample("shifted-SSdr-001.xlsx", write_shifted, proposal("SSdr-001"), "form at C4"),
        Sample(
            "second-sheet-KFdr-001.xlsx",
            write_second_sheet,
            proposal("KFdr-001"),
            "tick ✓; committee 'Kultur & Fritidsudvalget'",
            mark="✓",
        ),
        Sample(
            "text-amounts-BEdr-001.xlsx",
            write_plain,
            proposal("BEdr-001"),
            "amounts as text: -250,0 | −500 (Unicode minus) | -1.200 | -1.200",
            typed=("-250,0", "−500", "-1.200", "-1.200"),
        ),
        Sample(
            "text-amounts-SSdr-002.xlsx",
            write_plain,
            proposal("SSdr-002"),
            "amounts as text: +800 | 1 200 | 1.200 | +1.200",
            typed=("+800", "1 200", "1.200", "+1.200"),
        ),
        Sample(
            "formulas-TMdr-002.xlsx",
            write_plain,
            proposal("TMdr-002"),
            "amounts as formulas with cached values: =400+400 | =2*400 | =450+450 | =SUM(450,450)",
            typed=(
                Formula("=400+400", 800),
                Formula("=2*400", 800),
                Formula("=450+450", 900),
                Formula("=SUM(450,450)", 900),
            ),
        ),
        Sample(
            "blank-column-BFdr-003.xlsx",
            write_blank_column,
            proposal("BFdr-003"),
            "committee 'BFU' (an alias)",
        ),
        Sample(
            "label-variants-KFdr-002.xlsx",
            write_label_variants,
            proposal("KFdr-002"),
            "tick 'x'; account codes without the leading zero (3.38.74)",
            mark="x",
        ),
        Sample(
            "tick-below-SSdr-003.xlsx",
            write_plain,
            proposal("SSdr-003"),
            "X in the row below Ønske",
            tick="below",
        ),
        Sample("template-BFdr-002.xlsx", write_from_template, proposal("BFdr-002")),
        Sample("template-TMdr-003.xlsx", write_from_template, proposal("TMdr-003")),
        Sample(
            "template-BEdr-002.xlsx", write_from_template, proposal("BEdr-002"), "an amount of 0"
        ),
        Sample(
            "template-OEKdr-002.xlsx",
            write_from_template,
            proposal("ØKdr-002"),
            "committee 'ØU' (an alias)",
        ),
        # --- defective: each otherwise valid
        Sample(
            "defect-no-number.xlsx",
            write_plain,
            proposal("KFdr-003"),
            "Nr. left blank",
            changes={"nr": ""},
            issues=(("required-missing", "nr", "nr"),),
        ),
        Sample(
            "defect-amount-ca-200.xlsx",
            write_plain,
            proposal("BEdr-003"),
            "2021 typed as 'ca. 200'",
            typed=(200, "ca. 200", 200, 200),
            issues=(("amount-not-number", "amounts", "amounts_2"),),
        ),
        Sample(
            "defect-both-ticked.xlsx",
            write_plain,
            proposal("SSdr-004"),
            "X next to both Råderum and Ønske",
            tick="both",
            issues=(("kind-ambiguous", "kind", "kind"),),
        ),
        Sample(
            "defect-wrong-years.xlsx",
            write_shifted,
            proposal("ØKdr-003"),
            "years 2019–2022, the budget is 2020–2023",
            first_year=FIRST_YEAR - 1,
            issues=(("years-mismatch", "years", "years_1"),),
        ),
        Sample(
            "defect-prefix-mismatch.xlsx",
            write_plain,
            proposal("TMdr-004"),
            "number TMdr-004, committee Børne- og Familieudvalget",
            issues=(("nr-prefix-mismatch", "nr", "nr"),),
        ),
        Sample(
            "defect-no-account.xlsx",
            write_label_variants,
            proposal("TMdr-005"),
            "account field ('Profitcenter og F3-niveau') blank",
            changes={"accounts": ""},
            issues=(("accounts-missing", "accounts", "accounts"),),
        ),
        Sample(
            "defect-unknown-committee.xlsx",
            write_second_sheet,
            proposal("RFdr-001"),
            "committee 'Udvalget for Rumfart'",
            issues=(("committee-unknown", "committee", "committee"),),
        ),
        Sample(
            "defect-all-amounts-blank.xlsx",
            write_blank_column,
            proposal("KFdr-004"),
            "no amount in any year",
            typed=(None, None, None, None),
            issues=(("amounts-all-blank", "amounts", "amounts_1"),),
        ),
        Sample(
            "warning-amounts-in-kroner.xlsx",
            write_plain,
            proposal("BFdr-005"),
            "800000 (kroner) instead of 800 in every year",
            issues=tuple(("amount-in-kroner", "amounts", f"amounts_{i}") for i in range(1, 5)),
        ),
    ]


# ---------------------------------------------------------------------------------------
# Writing a form
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formats:
    """The cell formats of one workbook."""

    title: Any
    label: Any
    text: Any
    year: Any
    amount: Any
    header: Any


def new_workbook(path: Path) -> tuple[Workbook, Formats]:
    """A workbook with fixed properties (so bytes repeat) and the formats the forms use."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"title": TITLE, "author": MUNICIPALITY, "created": CREATED})
    base = {"valign": "top", "text_wrap": True}
    formats = Formats(
        title=wb.add_format({"bold": True, "font_size": 14}),
        label=wb.add_format({**base, "bold": True}),
        text=wb.add_format(base),
        year=wb.add_format({"bold": True, "num_format": "0"}),
        amount=wb.add_format({"num_format": "#,##0"}),
        header=wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E79"}),
    )
    return wb, formats


def tick_cells(style: str, kind: str, mark: str) -> tuple[list[str], list[str]]:
    """The kind row's value cells, and the row below it (for ticks below the option)."""
    raaderum = kind == "Råderum"
    if style == "reference":  # label | (empty) | Råderum | Ønske | X
        return (["", "Råderum", mark, "Ønske"] if raaderum else ["", "Råderum", "Ønske", mark]), []
    if style == "pairs":  # label | Råderum | X | Ønske | (empty)
        return ["Råderum", mark if raaderum else "", "Ønske", "" if raaderum else mark], []
    if style == "both":
        return ["Råderum", mark, "Ønske", mark], []
    if style == "below":  # label | Råderum | Ønske, and the X in the row below
        return ["Råderum", "Ønske"], [mark, ""] if raaderum else ["", mark]
    raise ValueError(style)


def write_value(ws: Worksheet, row: int, col: int, value: Typed, fmt: Formats) -> None:
    """One amount cell as typed: number, text, formula with cached value, or blank."""
    if value is None:
        return
    if isinstance(value, Formula):
        ws.write_formula(row, col, value.text, fmt.amount, value.value)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt.text)
    else:
        ws.write_number(row, col, value, fmt.amount)


def write_form(
    ws: Worksheet,
    sample: Sample,
    fmt: Formats,
    *,
    top: int = 2,
    left: int = 0,
    gap: int = 0,
    labels: dict[str, str] | None = None,
    short_codes: bool = False,
    merge: bool = False,
) -> Cells:
    """Write the form at (top, left); the cell (Sheet!B5) of every value, by field key."""
    spec = load_spec()
    wording = {f.key: f.label_for(MUNICIPALITY) for f in spec.fields} | (labels or {})
    values = sample.values
    col = left + 1 + gap  # the first value column
    cells: Cells = {}

    def at(row: int, column: int) -> str:
        return f"{ws.name}!{xl_rowcol_to_cell(row, column)}"

    ws.set_column(left, left, 48)
    ws.set_column(col, col + YEARS - 1, 16)
    if gap:
        ws.set_column(left + 1, left + gap, 3)
    ws.write_string(top, left, TITLE, fmt.title)
    row = top + 1
    for spec_field in spec.fields:
        key = spec_field.key
        ws.write_string(row, left, wording[key], fmt.label)
        cells[key] = at(row, col)
        if spec_field.kind is FieldKind.CHOICE:
            beside, below = tick_cells(sample.tick, values["kind"], sample.mark)
            for offset, texts in enumerate((beside, below) if below else (beside,)):
                for i, text in enumerate(texts):
                    if text:
                        ws.write_string(row + offset, col + i, text, fmt.text)
                    if text == sample.mark:  # the first tick, for a reader that points there
                        cells.setdefault("kind_tick", at(row + offset, col + i))
            row += 1 if below else 0
        elif spec_field.kind is FieldKind.YEARS:
            for i in range(YEARS):
                ws.write_number(row, col + i, sample.first_year + i, fmt.year)
                cells[f"years_{i + 1}"] = at(row, col + i)
        elif spec_field.kind is FieldKind.AMOUNTS:
            for i, typed in enumerate(sample.amounts_typed):
                write_value(ws, row, col + i, typed, fmt)
                cells[f"amounts_{i + 1}"] = at(row, col + i)
        else:
            text = values[key]
            if short_codes and key == "accounts":
                text = re.sub(r"\b0(\d)\.", r"\1.", text)
            if merge and spec_field.kind is FieldKind.RICH_TEXT:
                ws.merge_range(row, col, row, col + YEARS - 1, text, fmt.text)
            elif text:
                ws.write_string(row, col, text, fmt.text)
            else:  # a cleared cell keeps its format
                ws.write_blank(row, col, None, fmt.text)
        row += 1
    return cells


def single_sheet(path: Path, sample: Sample, **options: Any) -> Cells:
    """A workbook holding the form alone on sheet Ark1."""
    wb, fmt = new_workbook(path)
    cells = write_form(wb.add_worksheet("Ark1"), sample, fmt, **options)
    wb.close()
    return cells


# ---------------------------------------------------------------------------------------
# The layouts: one writer each
# ---------------------------------------------------------------------------------------


def write_reference(path: Path, sample: Sample, config: Config) -> Cells:
    """The reference form exactly as the TSV shows it (Ark1, title in A3, values from B)."""
    return single_sheet(path, sample, labels=REFERENCE_LABELS)


def write_plain(path: Path, sample: Sample, config: Config) -> Cells:
    """Reference layout: labels in A, values from B, sheet Ark1, no defined names."""
    return single_sheet(path, sample)


def write_blank_column(path: Path, sample: Sample, config: Config) -> Cells:
    """Reference layout with a blank column between labels (A) and values (from C)."""
    return single_sheet(path, sample, gap=1)


def write_label_variants(path: Path, sample: Sample, config: Config) -> Cells:
    """Reference layout with reworded labels (NR., Beskrivelse, Profitcenter og F3-niveau …)."""
    return single_sheet(path, sample, labels=LABEL_VARIANTS, short_codes=True)


def write_shifted(path: Path, sample: Sample, config: Config) -> Cells:
    """A logo and header rows on top, the form moved to C4, texts merged across the years."""
    wb, fmt = new_workbook(path)
    ws = wb.add_worksheet("Ark1")
    ws.set_column(0, 1, 4)
    ws.set_row(0, 30)
    ws.insert_image(0, 0, "logo.png", {"image_data": io.BytesIO(logo_png()), "object_position": 3})
    ws.write_string(0, 2, MUNICIPALITY, fmt.header)
    ws.write_string(1, 2, f"Budget {FIRST_YEAR}–{FIRST_YEAR + YEARS - 1} · Økonomi og Personale")
    cells = write_form(ws, sample, fmt, top=3, left=2, merge=True)
    wb.close()
    return cells


def write_second_sheet(path: Path, sample: Sample, config: Config) -> Cells:
    """An instructions sheet (Vejledning) first, the form on the second sheet."""
    wb, fmt = new_workbook(path)
    guide = wb.add_worksheet("Vejledning")
    guide.set_column(0, 0, 100)
    from xlbudget.template import instruction_lines  # the template's own wording

    heading, *lines = instruction_lines(load_spec(), config)
    guide.write_string(0, 0, heading, fmt.title)
    for i, line in enumerate(lines, start=2):
        guide.write_string(i, 0, line, fmt.text)
    cells = write_form(wb.add_worksheet("Budgetalternativ"), sample, fmt, top=0)
    wb.close()
    return cells


def write_from_template(path: Path, sample: Sample, config: Config) -> Cells:
    """Filled in on xlbudget's own template (defined names on every input cell)."""
    from xlbudget.template import write_template  # written alongside; imported when used

    write_template(path, config, values=sample.values)
    return {}


def logo_png() -> bytes:
    """A small deterministic PNG: a blue square with a white band, standing in for a logo."""
    size = 32
    rows = b"".join(
        b"\x00"
        + b"".join(b"\xff\xff\xff" if 12 <= y < 20 else b"\x1f\x4e\x79" for _ in range(size))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------
# What each file should read as
# ---------------------------------------------------------------------------------------


def danish_number(text: str) -> int | float | None:
    """The sample amounts' Danish text notation read as a number; None if it is none."""
    plain = text.replace("−", "-").replace(" ", "").replace(".", "").replace(",", ".")
    try:
        number = float(plain)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def typed_value(typed: Typed) -> int | float | None:
    """The number an amount cell holds, as a reader should see it."""
    if isinstance(typed, Formula):
        return typed.value
    if isinstance(typed, str):
        return danish_number(typed)
    return typed


def accounts_of(text: str) -> list[dict[str, str]]:
    """Account codes (as 03.22.01) with their names, from the account field's text."""
    found = list(re.finditer(r"\b(\d{1,2})\.(\d{2})\.(\d{2})\b", text))
    ends = [match.start() for match in found[1:]] + [len(text)]
    accounts = []
    for match, end in zip(found, ends, strict=False):
        name = re.sub(r"(\s+og|,)\s*$", "", text[match.end() : end].strip()).strip()
        code = f"{int(match[1]):02d}.{match[2]}.{match[3]}"
        accounts.append({"code": code, "name": name})
    return accounts


def expected_entry(sample: Sample, cells: Cells, config: Config) -> dict[str, Any]:
    """What a reader should make of the sample: proposal fields and the deliberate issues."""
    values = sample.values
    issues = [
        {"severity": MESSAGES[code][0], "code": code, "field": key, "cell": cells[cell]}
        for code, key, cell in sample.issues
    ]
    severities = {issue["severity"] for issue in issues}
    status = "error" if "error" in severities else "warning" if severities else "ok"
    committee = config.find_committee(values["committee"])
    amounts = {
        str(sample.first_year + i): number
        for i, typed in enumerate(sample.amounts_typed)
        if (number := typed_value(typed)) is not None
    }
    return {
        "valid": status != "error",
        "status": status,
        "layout": (sample.writer.__doc__ or "").strip(),
        "note": sample.note,
        "nr": values["nr"] or None,
        "kind": None if sample.tick == "both" else values["kind"],
        "committee": committee.name if committee else values["committee"],
        "department": values["department"],
        "subject": values["subject"],
        "accounts": accounts_of(values["accounts"]),
        "amounts": amounts,
        "issues": issues,
    }


def check(sample: Sample, entry: dict[str, Any]) -> None:
    """Guard the data: a valid sample's typed amounts must read as its proposal's amounts."""
    if sample.issues:
        return
    years = [str(sample.first_year + i) for i in range(YEARS)]
    wanted = dict(zip(years, sample.values["amounts"], strict=True))
    if entry["amounts"] != wanted:
        raise AssertionError(f"{sample.filename}: amounts {entry['amounts']} != {wanted}")
    nr = entry["nr"]
    if (
        not entry["committee"]
        or not nr
        or not nr.startswith(
            next(c["prefix"] for c in COMMITTEES if c["name"] == entry["committee"])
        )
    ):
        raise AssertionError(f"{sample.filename}: committee {entry['committee']} vs {nr}")


# ---------------------------------------------------------------------------------------
# Config, README and the run
# ---------------------------------------------------------------------------------------


def config_text() -> str:
    """samples/xlbudget.toml for Himmerby Kommune."""
    lines = [
        "# Configuration for the sample forms (a fictional municipality).",
        "# Generated by scripts/make_samples.py: edit the script, not this file.",
        "",
        f'municipality = "{MUNICIPALITY}"',
        "",
        "[budget]",
        f"first_year = {FIRST_YEAR}",
        f"years = {YEARS}",
    ]
    for committee in COMMITTEES:
        aliases = ", ".join(f'"{a}"' for a in committee["aliases"])
        lines += [
            "",
            "[[committee]]",
            f'name = "{committee["name"]}"',
            f'prefix = "{committee["prefix"]}"',
            f"aliases = [{aliases}]",
        ]
    return "\n".join(lines) + "\n"


def readme_text(expected: dict[str, dict[str, Any]]) -> str:
    """samples/README.md: every file, its layout and the result a reader should give."""
    lines = [
        "# Sample forms",
        "",
        "Filled-in *Budgetalternativ – drift* forms for the fictional Himmerby Kommune, with",
        "the configuration they are checked against (`xlbudget.toml`: budget years",
        f"{FIRST_YEAR}–{FIRST_YEAR + YEARS - 1}, six committees). Generated by",
        "`python scripts/make_samples.py` (byte-identical on every run); do not edit by hand.",
        "",
        "`expected.json` holds, per file, what a reader should make of it: `valid`, `status`,",
        "`nr`, `kind`, `committee` (the canonical name; the text as written if none matches),",
        "`accounts`, `amounts` (by year; a year whose amount is unreadable or blank is left",
        "out) and `issues`: the deliberate errors and warnings, each with `code`, `field` and",
        "`cell`. A reader may report further consequences, but must report these. Every",
        "defective file is otherwise valid. No file except the `template-` ones has defined",
        "names; those are filled in on xlbudget's own template.",
        "",
        "| file | layout | nr | kind | committee as written | expected |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for sample in samples():
        entry = expected[sample.filename]
        values = sample.values
        layout = entry["layout"].rstrip(".") + (f"; {sample.note}" if sample.note else "")
        if entry["issues"]:
            result = "<br>".join(
                f"{i['severity']} `{i['code']}` ({i['field']}) at `{i['cell']}`"
                for i in entry["issues"]
            )
        else:
            result = "valid, no issues"
        row = [
            f"`{sample.filename}`",
            layout.replace("|", "\\|"),
            values["nr"] or "(blank)",
            "both" if sample.tick == "both" else values["kind"],
            values["committee"],
            result,
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def remove_stale(out: Path) -> None:
    """Delete the workbooks a previous run wrote (only names this script owns)."""
    for path in sorted(out.glob("*.xlsx")):
        if path.name.startswith(OWNED_PREFIXES):
            path.unlink()


def generate(out: Path) -> list[Path]:
    """Write every sample, the config, README.md and expected.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    config_path = out / "xlbudget.toml"
    config_path.write_text(config_text(), encoding="utf-8")
    config = load_config(config_path)
    expected: dict[str, dict[str, Any]] = {}
    for sample in samples():
        if not sample.filename.startswith(OWNED_PREFIXES):
            raise AssertionError(f"{sample.filename}: not a name this script owns")
        cells = sample.writer(out / sample.filename, sample, config)
        expected[sample.filename] = expected_entry(sample, cells, config)
        check(sample, expected[sample.filename])
    (out / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(readme_text(expected), encoding="utf-8")
    return [config_path, *(out / name for name in expected)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: regenerate the samples into --out (default samples/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    written = generate(args.out)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
