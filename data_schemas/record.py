"""The PEP record as marshmallow schemas: every section of domain.md §1, each field with its label and owner."""

from __future__ import annotations

from marshmallow import fields, post_load, validate, validates_schema

from . import derived
from . import fields as f
from .base import Errors, Section, check_derived, check_order, value_at
from .fields import _LINE_ENDS, Text
from .questions import validate_answers

SOCIAL_CARE_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
NCY = ["N1", "N2", "R", *[str(n) for n in range(1, 15)]]
ETHNICITY = {  # DfE census codes
    "WBRI": "White - British", "WIRI": "White - Irish", "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background", "WROM": "Gypsy/Roma", "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African", "MWAS": "White and Asian", "MOTH": "Any other mixed background",
    "AIND": "Indian", "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean", "BAFR": "Black African", "BOTH": "Any other Black background",
    "CHNE": "Chinese", "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Information not yet obtained",
}
TERMS = {"autumn": "Autumn", "spring": "Spring", "summer": "Summer"}
RAG = {"red": "Red", "amber": "Amber", "green": "Green"}


def _pep_id():
    return f.pattern("PEP id", r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", "Use letters, digits, '.', '_' and '-' only.")


# --- 1.1 document metadata ------------------------------------------------------------------


class PepMeta(Section):
    owner = "system"
    authority = f.pattern("Authority", r"^[a-z0-9][a-z0-9-]{1,39}$", "Not a valid authority id.",
                        required=True, allow_none=False)
    variant = f.pattern("Variant", r"^[a-z0-9][a-z0-9-]{1,39}$", "Not a valid variant id.",
                      required=True, allow_none=False)
    id = _pep_id()
    version = f.integer("Version", 1)
    created_at = f.datetime("Created")
    updated_at = f.datetime("Last updated")
    date = f.date("Date of this PEP", owner="sw")
    reason = f.choice("Reason for this PEP", {
        "initial_entered_care": "Initial PEP (entered care)", "termly_review": "Termly review",
        "change_of_school": "Change of school", "change_of_placement": "Change of placement",
        "interim": "Interim PEP", "leaving_care_term": "Term the child leaves care",
        "holiday_interim": "Holiday interim PEP"}, owner="sw")
    academic_year = f.pattern("Academic year", r"^\d{4}/\d{2}$", "Use the form 2025/26.")
    term = f.choice("Term", TERMS)
    term_number = f.integer("Term number", 1, 3, derived=True)
    deadline_date = f.date("Deadline", owner="vs")
    completed_on = f.date("Completed on", owner="dt")
    status = f.choice("Status", ["not_started", "in_progress", "ready_to_submit", "submitted", "review_again",
                               "complete"])
    previous_pep_id = _pep_id()

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        year = data.get("academic_year")
        if year and (int(year[:4]) + 1) % 100 != int(year[5:]):
            errors.add("academic_year", f"The second year must follow the first (for example {year[:4]}/"
                                        f"{(int(year[:4]) + 1) % 100:02d}).")
        term = data.get("term")
        check_derived(errors, data, "term_number", derived.TERM_NUMBERS.get(term), f"the {term} term")
        check_order(errors, data, "created_at", "updated_at", "Comes before the creation time.")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        if data.get("term"):
            data["term_number"] = derived.TERM_NUMBERS[data["term"]]
        return data


# --- 1.2 child ---------------------------------------------------------------------------------


class Child(Section):
    owner = "sw"
    first_name = f.text("First name")
    surname = f.text("Surname")
    preferred_name = f.text("Preferred name", owner="child")
    date_of_birth = f.date("Date of birth")
    gender = f.choice("Gender", {"female": "Female", "male": "Male", "other": "Other",
                               "not_stated": "Prefers not to say"})
    ethnicity = f.choice("Ethnicity", ETHNICITY)
    first_language = f.text("First language")
    eal = f.flag("English as an additional language")
    religion = f.text("Religion")
    upn = f.pattern("Unique pupil number (UPN)", r"^[A-Z]\d{11}[0-9A-Z]$",
                  "A UPN is 13 characters: a capital letter, 11 digits, then a digit or capital letter.",
                  owner="dt")
    uln = f.pattern("Unique learner number (ULN)", r"^\d{10}$", "A ULN is 10 digits.", owner="dt")
    social_care_id = f.pattern("Social care id", SOCIAL_CARE_ID,
                             "Use 1–40 letters, digits, '_' or '-', starting with a letter or digit.",
                             required=True, allow_none=False)
    ncy = f.choice("National curriculum year", {v: (f"Year {v}" if v.isdigit() else v) for v in NCY}, owner="dt")
    key_stage = f.choice("Key stage", {ks: ks for ks in ("EYFS", "KS1", "KS2", "KS3", "KS4", "KS5")}, owner="system",
                         derived=True)
    uasc = f.flag("Unaccompanied asylum-seeking child")
    interpreter_language = f.text("Interpreter needed for (language)")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        check_derived(errors, data, "key_stage", derived.key_stage(data.get("ncy")),
                      f"year {data.get('ncy')}")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        if data.get("ncy"):
            data["key_stage"] = derived.key_stage(data["ncy"])
        return data


# --- 1.3 care ----------------------------------------------------------------------------------


class Placement(Section):
    type = f.choice("Placement type", {
        "la_foster": "Local authority foster care", "ifa_foster": "Independent fostering agency",
        "connected_person": "Connected person (kinship) care", "residential": "Residential children's home",
        "placed_with_parents": "Placed with parents", "supported_accommodation": "Supported accommodation",
        "secure": "Secure unit", "placed_for_adoption": "Placed for adoption"})
    start_date = f.date("Placement start date")
    emergency = f.flag("Emergency placement")
    out_of_area = f.flag("Placed out of the authority's area")
    carer_names = f.text("Carer name(s)")
    address = f.longtext("Placement address", restricted=True)


class Care(Section):
    owner = "sw"
    legal_status = f.choice("Legal status", {
        "s20": "Section 20 (accommodated)", "interim_care_order": "Interim care order", "care_order": "Care order",
        "placement_order": "Placement order", "remand": "Remand", "epo_police_protection":
        "Emergency protection / police protection", "other": "Other"})
    date_entered_care = f.date("Date entered care")
    placement = f.nested(Placement, "Placement")
    placement_count = f.integer("Number of placements", 1, 200)
    care_plan_summary = f.longtext("Summary of the care plan")
    permanence_plan = f.choice("Permanence plan", {
        "return_home": "Return home", "long_term_foster": "Long-term fostering", "adoption": "Adoption",
        "special_guardianship": "Special guardianship", "residential": "Residential care",
        "independence": "Independent living", "other": "Other"})
    next_lac_review_date = f.date("Next looked-after review")
    leaving_care_this_term = f.flag("Leaving care this term")


# --- 1.4 people --------------------------------------------------------------------------------


class Person(Section):
    name = f.text("Name")
    role = f.text("Role")
    organisation = f.text("Organisation")
    email = f.email()
    phone = f.pattern("Phone", r"^[0-9 +()-]{6,20}$", "Not a valid phone number.")


class People(Section):
    owner = "sw"
    social_worker = f.nested(Person, "Social worker")
    team_manager = f.nested(Person, "Team manager")
    supervising_social_worker = f.nested(Person, "Supervising social worker")
    carers = f.many(Person, "Carers", max_items=10)
    parental_responsibility = f.many(Person, "People with parental responsibility", max_items=10)
    designated_teacher = f.nested(Person, "Designated teacher", owner="dt")
    senco = f.nested(Person, "SENCo", owner="dt")
    delegated_users = f.many(Person, "Delegated school staff", owner="dt", max_items=10)
    vs_caseworker = f.nested(Person, "Virtual school caseworker", owner="vs")
    iro = f.nested(Person, "Independent reviewing officer")
    personal_adviser = f.nested(Person, "Personal adviser")
    health_visitor = f.nested(Person, "Health visitor")


# --- 1.5 permissions ---------------------------------------------------------------------------


class Permissions(Section):
    owner = "sw"
    who_can_collect = f.texts("Who may collect the child from school")
    restricted_contacts = f.texts("Who must not have unsupervised contact", restricted=True)
    photos = f.choice("Photographs", {"allowed": "Allowed, including outside school (e.g. newsletters)",
                                    "in_school_only": "In school only", "not_allowed": "Not allowed"})
    trip_consent_by = f.text("Who consents to school trips")
    school_reports_to = f.texts("Who receives school reports")
    parents_evening_by = f.text("Who attends parents' evenings")
    day_to_day_liaison = f.text("Day-to-day contact for the school")
    emergency_contacts = f.many(Person, "Emergency contacts (in order)", max_items=10)
    circulation_list = f.texts("Who receives a copy of this PEP")
    child_consulted_on_circulation = f.flag("Child consulted about who receives the PEP")
    exam_results_sharing_consent = f.flag("Consent to share exam results", owner="child")


# --- 1.6 meeting -------------------------------------------------------------------------------

ATTENDEE_ROLES = {
    "child": "Child or young person", "carer": "Carer", "parent": "Parent", "social_worker": "Social worker",
    "designated_teacher": "Designated teacher", "virtual_school": "Virtual school", "senco": "SENCo",
    "iro": "Independent reviewing officer", "health": "Health professional", "camhs": "CAMHS",
    "supervising_sw": "Supervising social worker", "personal_adviser": "Personal adviser",
    "receiving_setting": "Receiving school or setting", "interpreter": "Interpreter", "other": "Other"}


class Chair(Section):
    name = f.text("Chair")
    role = f.choice("Chair's role", {"dt": "Designated teacher", "sw": "Social worker", "vs": "Virtual school",
                                   "other": "Other"})


class Attendee(Section):
    name = f.text("Name")
    role = f.choice("Role", ATTENDEE_ROLES)
    organisation = f.text("Organisation")
    email = f.email()
    invited = f.flag("Invited")
    attended = f.flag("Attended")
    input_if_absent = f.longtext("Contribution if absent")


class Discussion(Section):
    going_well = f.longtext("What is going well?")
    not_going_well = f.longtext("What is not going so well?")
    challenges = f.longtext("What are the challenges in school?")
    barriers_and_overcoming = f.longtext("What can be done to overcome any barriers?")
    strategies_to_accelerate = f.longtext("What strategies are in place to accelerate progress?")
    support_accessed = f.longtext("Is the child accessing additional support (homework club, breakfast club, "
                                "revision sessions)?")
    extracurricular_encouraged = f.longtext("How does the school encourage extra-curricular activities?")
    how_success_celebrated = f.longtext("How is success celebrated?")
    aspirational_check = f.longtext("Have we been aspirational for the child?")
    communication = f.longtext("How do school, carer and social worker keep in touch about concerns?")


class PrepChecklist(Section):
    owner = "dt"
    attendance_entered = f.flag("Attendance figure entered")
    attainment_entered = f.flag("Attainment and progress entered")
    pupil_voice_sought = f.flag("Child's views gathered")
    previous_pep_at_hand = f.flag("Previous PEP reviewed")
    plans_at_hand = f.flag("IEP / thrive / support plans to hand")
    draft_targets_ready = f.flag("Draft targets and PP+ plan ready")
    progress_check_2yr = f.flag("Two-year progress check to hand")
    exam_slip = f.flag("Exam results permission slip to hand")


class Action(Section):
    action = f.longtext("Action")
    who = f.text("Who")
    by = f.date("By when")


class Meeting(Section):
    owner = "both"
    date = f.date("Date of meeting", owner="sw")
    time = f.time("Time", owner="sw")
    mode = f.choice("Meeting held", {"in_person": "In person", "virtual": "Virtually", "hybrid": "Hybrid"})
    venue = f.text("Venue")
    venue_confidential_room = f.flag("Held in a confidential room", owner="dt")
    chair = f.nested(Chair, "Chair")
    attendees = f.many(Attendee, "Who was invited and who attended", max_items=40)
    child_participation = f.choice("The child took part", {
        "whole": "For the whole meeting", "part": "For part of the meeting", "views_only": "Through their views only",
        "none": "Not at all"}, owner="dt")
    child_participation_reason = f.longtext("Reason, if the child did not attend", owner="dt")
    discussion = f.nested(Discussion, "Topics for discussion")
    prep_checklist = f.nested(PrepChecklist, "Before the meeting")
    record = f.longtext("Record of the meeting", owner="sw")
    actions = f.many(Action, "Decisions and actions agreed", owner="sw", max_items=40)
    next_pep_date = f.date("Date of next PEP meeting", owner="sw")
    next_arranged_by = f.choice("Next meeting arranged by", {"sw": "Social worker", "dt": "Designated teacher",
                                                           "vs": "Virtual school"}, owner="sw")
    rescheduled_from = f.date("Originally planned for", owner="sw")
    arranged_on = f.date("Date the meeting was arranged", owner="sw")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        check_order(errors, data, "date", "next_pep_date", "The next PEP must come after this meeting.")
        check_order(errors, data, "arranged_on", "date", "The meeting cannot take place before it was arranged.",
                    at="arranged_on")
        errors.raise_any()


# --- 1.7 education -----------------------------------------------------------------------------


class Setting(Section):
    name = f.text("School or setting")
    urn = f.pattern("URN", r"^\d{6,7}$", "A URN is 6 or 7 digits.")
    dfe_number = f.pattern("DfE number", r"^\d{3}/?\d{4}$", "Use the form 123/4567.")
    type = f.choice("Type of setting", {
        "maintained": "Maintained school", "academy": "Academy", "free": "Free school", "special": "Special school",
        "pru_ap": "Pupil referral unit / alternative provision", "independent": "Independent school",
        "fe_college": "Further education college", "sixth_form": "Sixth form", "nursery_class": "Nursery class",
        "pvi_nursery": "Private, voluntary or independent nursery", "childminder": "Childminder",
        "training_provider": "Training provider", "employer": "Employer"})
    la = f.text("Local authority of the setting")
    ofsted_outcome = f.choice("Ofsted outcome", {
        "outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
        "inadequate": "Inadequate", "not_yet_inspected": "Not yet inspected"})
    ofsted_date = f.date("Date of Ofsted inspection")
    address = f.longtext("Address of the setting")


class AlternativeProvision(Section):
    provider = f.text("Provider")
    days = f.text("Days")
    hours = f.number("Hours a week", 0, 60)


class Timetable(Section):
    full_time = f.flag("Full-time education")
    hours_per_week = f.number("Hours a week", 0, 60)
    reduced_timetable = f.flag("Reduced timetable")
    reintegration_plan = f.longtext("Plan to return to full time")
    alternative_provision = f.many(AlternativeProvision, "Alternative provision", max_items=10)


class SchoolHistory(Section):
    setting = f.text("School or setting")
    start = f.date("From", data_key="from")
    end = f.date("To", data_key="to")
    reason = f.text("Reason for leaving")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        check_order(errors, data, "start", "end", "Comes before the start date.", at="to")
        errors.raise_any()


class Education(Section):
    owner = "dt"
    setting = f.nested(Setting, "Current school or setting")
    admission_date = f.date("Date of admission")
    on_roll = f.flag("On a school roll")
    not_on_roll_reason = f.longtext("Reason not on roll")
    eotas = f.flag("Educated other than at school")
    timetable = f.nested(Timetable, "Timetable and provision")
    history = f.many(SchoolHistory, "Previous schools and settings", max_items=30)
    key_adult = f.text("Key adult in school")


# --- 1.8 attainment ----------------------------------------------------------------------------

FRAMEWORKS = {
    "eyfs_dm": "EYFS Development Matters", "phonics": "Phonics", "ks1_ta": "KS1 teacher assessment",
    "ks2_ta": "KS2 teacher assessment", "ks2_sats": "KS2 tests", "gcse_9_1": "GCSE (9–1)",
    "vocational": "Vocational", "btec": "BTEC / NCFE", "engagement": "Engagement model / pre-key stage",
    "school": "School's own scale", "other": "Other"}
ON_TRACK = {"above": "Above", "on": "On track", "below": "Below", "well_below": "Well below"}


class SubjectAttainment(Section):
    subject = f.text("Subject")
    framework = f.choice("Assessment framework", FRAMEWORKS)
    working_at = f.text("Working at")
    expected_end_of_year = f.text("Expected by end of year")
    predicted_end_of_ks = f.text("Predicted end of key stage")
    on_track = f.choice("On track?", ON_TRACK)
    prior = f.text("Previous assessment")
    assessed_on = f.date("Assessed on")


class Ks2Scaled(Section):
    reading = f.integer("Reading", 80, 120)
    maths = f.integer("Maths", 80, 120)
    gps = f.integer("Grammar, punctuation and spelling", 80, 120)


class Grade(Section):
    subject = f.text("Subject")
    grade = f.text("Grade")


class Statutory(Section):
    eyfsp_gld = f.flag("Good level of development (EYFS profile)")
    phonics_y1 = f.integer("Year 1 phonics check mark", 0, 40)
    mtc_y4 = f.integer("Year 4 multiplication tables check", 0, 25)
    ks2_scaled = f.nested(Ks2Scaled, "KS2 scaled scores")
    gcse = f.many(Grade, "GCSE and other qualifications", max_items=30)


class ReadingAge(Section):
    reading_age = f.text("Reading age")
    chronological_age = f.text("Chronological age")
    test = f.text("Test used")
    date = f.date("Date tested")


class Attainment(Section):
    owner = "dt"
    subjects = f.many(SubjectAttainment, "Attainment and progress", max_items=30)
    statutory = f.nested(Statutory, "Statutory assessments")
    reading_age = f.nested(ReadingAge, "Reading age")
    progress_comment = f.longtext("Comment on progress")
    gap_analysis = f.longtext("Gap analysis")


# --- 1.9 attendance, exclusions, behaviour -------------------------------------------------------


class Period(Section):
    start = f.date("From", data_key="from")
    end = f.date("To", data_key="to")


class Attendance(Section):
    owner = "dt"
    period = f.nested(Period, "Attendance period")
    sessions_possible = f.integer("Sessions possible", 0, 1000)
    sessions_attended = f.integer("Sessions attended", 0, 1000)
    percentage = f.percent("Attendance", owner="system", derived=True)
    authorised_pct = f.percent("Authorised absence")
    unauthorised_pct = f.percent("Unauthorised absence")
    lates = f.integer("Late marks", 0, 1000)
    persistent_absence = f.flag("Persistent absence (10% or more missed)", owner="system", derived=True)
    source = f.choice("Source of figures", {"school_mis": "School records", "welfare_call": "Welfare Call",
                                          "looked_after_call": "Looked After Call", "manual": "Entered by hand"})
    plan = f.longtext("Plan to improve attendance")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        attended, possible = data.get("sessions_attended"), data.get("sessions_possible")
        if attended is not None and possible is not None and attended > possible:
            errors.add("sessions_attended", f"Cannot be more than the sessions possible ({possible}).")
        elif possible:
            why = f"{attended} of {possible} sessions"
            check_derived(errors, data, "percentage", derived.attendance_percentage(attended, possible), why)
            check_derived(errors, data, "persistent_absence", derived.persistent_absence(attended, possible), why)
        period = data.get("period") or {}
        if period.get("start") and period.get("end") and period["end"] < period["start"]:
            errors.add("period.to", "Comes before the start of the period.")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        attended, possible = data.get("sessions_attended"), data.get("sessions_possible")
        if possible:
            data["percentage"] = derived.attendance_percentage(attended, possible)
            data["persistent_absence"] = derived.persistent_absence(attended, possible)
        return data


class Suspension(Section):
    start_date = f.date("Start date")
    sessions = f.integer("Sessions (half-days)", 1, 90)
    reason = f.text("Reason")
    education_from_day6 = f.flag("Education provided from day 6")


class PermanentExclusion(Section):
    date = f.date("Date")
    reason = f.longtext("Reason")
    outcome = f.longtext("Outcome")


class InternalExclusions(Section):
    count = f.integer("Internal exclusions this year", 0, 500)
    notes = f.longtext("Notes")


class Exclusions(Section):
    owner = "dt"
    suspensions = f.many(Suspension, "Suspensions (fixed-term exclusions)", max_items=50)
    permanent = f.nested(PermanentExclusion, "Permanent exclusion")
    internal = f.nested(InternalExclusions, "Internal exclusions")


class Behaviour(Section):
    owner = "dt"
    summary = f.longtext("Behaviour")
    pastoral_support_plan = f.flag("Pastoral support plan in place")


# --- 1.10 SEN ----------------------------------------------------------------------------------

SEN_NEEDS = {
    "SpLD": "Specific learning difficulty", "MLD": "Moderate learning difficulty", "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty", "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs", "HI": "Hearing impairment", "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment", "PD": "Physical disability", "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability", "NSA": "SEN support but no specialist assessment"}


class Ehcp(Section):
    issuing_la = f.text("Issuing local authority")
    issued = f.date("Date issued")
    last_annual_review = f.date("Last annual review")
    next_annual_review = f.date("Next annual review")
    pep_aligned = f.flag("Annual review held with the PEP")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        check_order(errors, data, "issued", "last_annual_review", "Comes before the plan was issued.")
        check_order(errors, data, "last_annual_review", "next_annual_review", "Comes before the last annual review.")
        errors.raise_any()


class SenPlan(Section):
    type = f.choice("Plan", {"iep": "Individual education plan", "sen_support_plan": "SEN support plan",
                           "thrive": "Thrive plan", "psp": "Pastoral support plan", "other": "Other"})
    description = f.longtext("Details")


class Sen(Section):
    owner = "dt"
    status = f.choice("SEN status", {"none": "No SEN", "sen_support": "SEN support",
                                   "ehc_assessment_requested": "EHC assessment requested",
                                   "under_assessment": "Under EHC assessment", "ehcp": "EHC plan"})
    primary_need = f.choice("Primary need", SEN_NEEDS)
    secondary_need = f.choice("Secondary need", SEN_NEEDS)
    ehcp = f.nested(Ehcp, "Education, health and care plan")
    plans = f.many(SenPlan, "Support plans", max_items=10)
    summary = f.longtext("SEN support in place")


# --- 1.11 health and wellbeing -------------------------------------------------------------------


class Agency(Section):
    agency = f.text("Agency")
    involvement = f.longtext("Involvement")
    expected_outcome = f.longtext("Expected outcome")


class Health(Section):
    owner = "sw"
    conditions = f.longtext("Health conditions", restricted=True)
    medication = f.longtext("Medication", restricted=True)
    impact_on_school = f.longtext("Impact on school life", owner="dt")
    other_agencies = f.many(Agency, "Support from other agencies", max_items=15)
    mental_health_support = f.longtext("Mental health support", restricted=True)


class Sdq(Section):
    date = f.date("Date of SDQ")
    informant = f.choice("Completed by", {"carer": "Carer", "teacher": "Teacher", "self": "Young person"})
    total = f.integer("Total difficulties score", 0, 40, owner="system", derived=True)
    emotional = f.integer("Emotional symptoms", 0, 10)
    conduct = f.integer("Conduct problems", 0, 10)
    hyperactivity = f.integer("Hyperactivity / inattention", 0, 10)
    peer = f.integer("Peer relationship problems", 0, 10)
    prosocial = f.integer("Prosocial behaviour", 0, 10)
    band = f.choice("Band", {"close_to_average": "Close to average", "slightly_raised": "Slightly raised",
                           "high": "High", "very_high": "Very high"}, owner="system", derived=True)
    advice_for_school = f.longtext("Advice for school")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        total = derived.sdq_total(data)
        check_derived(errors, data, "total", total, "the sum of the four difficulty scores")
        band = derived.sdq_band(data.get("total") if total is None else total, data.get("informant"))
        check_derived(errors, data, "band", band, f"a {data.get('informant')} total of "
                                                  f"{data.get('total') if total is None else total}")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        total = derived.sdq_total(data)
        if total is not None:
            data["total"] = total
        band = derived.sdq_band(data.get("total"), data.get("informant"))
        if band:
            data["band"] = band
        return data


class Wellbeing(Section):
    owner = "sw"
    sdq = f.nested(Sdq, "Strengths and Difficulties Questionnaire (SDQ)")
    semh_summary = f.longtext("Social, emotional and mental health", owner="dt")
    attachment_trauma_needs = f.longtext("Attachment and trauma needs")


# --- 1.12 RONI ---------------------------------------------------------------------------------


class RoniFactor(Section):
    factor = f.choice("Risk factor", {
        "attendance": "Poor attendance", "exclusion": "Exclusion", "sen_support": "SEN support", "ehcp": "EHC plan",
        "eal": "English as an additional language", "looked_after": "Looked after", "young_carer": "Young carer",
        "pregnant_young_parent": "Pregnant or a young parent", "youth_justice": "Known to youth justice",
        "custody": "Custody", "educated_off_site": "Educated off site", "other": "Other"})
    weight = f.integer("Weight (1 likely, 2 very likely)", 1, 2)


class Roni(Section):
    owner = "vs"
    required = f.flag("RONI required (KS3/KS4)", owner="system", derived=True)
    factors = f.many(RoniFactor, "Risk factors", max_items=12)
    score = f.integer("RONI score", 0, 30, owner="system", derived=True)
    rating = f.choice("RONI rating", RAG)
    completed_by = f.text("Completed by")
    date = f.date("Date completed")
    notes = f.longtext("Notes")

    @validates_schema
    def _check(self, data, **_):
        errors = Errors()
        if data.get("factors") is not None:
            check_derived(errors, data, "score", derived.roni_score(data["factors"]), "the sum of the factor weights")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        if data.get("factors") is not None:
            data["score"] = derived.roni_score(data["factors"])
        return data


# --- 1.13 child's views ------------------------------------------------------------------------


class Views(Section):
    owner = "child"
    form_variant = f.choice("Views form", {"early_years": "Early years", "primary": "Primary",
                                         "secondary": "Secondary", "post16": "Post-16"}, owner="system")
    completed_with = f.text("Who helped me fill this in")
    date = f.date("Date")
    method = f.choice("How the views were gathered", {
        "conversation": "Conversation", "form": "Form", "drawing": "Drawing", "photos": "Photos",
        "symbols": "Symbols", "three_houses": "Three houses", "observation": "Observation"})
    own_words = f.flag("These are my own words")
    answers = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,63}$")),
                          values=fields.Raw(allow_none=True), validate=validate.Length(max=200),
                          metadata={"label": "Answers", "widget": "answers"})
    attend_meeting = f.choice("Do I want to come to my PEP meeting?", {"all": "All of it", "part": "Part of it",
                                                                      "none": "No"})
    speaker_for_me = f.text("Who will speak for me")
    on_previous_targets = f.longtext("What I think about my last targets")
    on_ppg_use = f.longtext("What would help me (how my Pupil Premium Plus could be used)")

    @post_load
    def _normalise_answers(self, data, **_):
        for qid, value in (data.get("answers") or {}).items():
            if isinstance(value, str):
                # the same line ends as every Text field: Word's manual line break (VT) and form feed too
                data["answers"][qid] = value.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_ENDS)
        return data

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = validate_answers(data.get("answers") or {})
        if errors:
            bag = Errors()
            for qid, message in errors:
                bag.add(f"answers.{qid}", message)
            bag.raise_any()


class CarerViews(Section):
    owner = "carer"
    views = f.longtext("Carer's views")
    parent_views = f.longtext("Parent's views")
    support_at_home = f.longtext("How learning is supported at home")


# --- 1.14–1.16 previous targets, targets, PP+ --------------------------------------------------------

TARGET_CATEGORIES = {
    "english": "English", "maths": "Maths", "reading": "Reading", "writing": "Writing",
    "other_academic": "Other academic", "semh": "Social, emotional and mental health", "attendance": "Attendance",
    "behaviour": "Behaviour", "homework": "Homework", "transition": "Transition", "careers": "Careers",
    "social": "Social", "physical_ey": "Physical development (early years)",
    "communication_ey": "Communication and language (early years)", "psed_ey":
    "Personal, social and emotional development (early years)"}
ACADEMIC_CATEGORIES = ("english", "maths", "reading", "writing", "other_academic", "homework")


class PreviousTarget(Section):
    owner = "dt"
    target_ref = f.text("Target number")
    target = f.longtext("Previous target")
    outcome = f.choice("Outcome", {"achieved": "Achieved", "partially_achieved": "Partially achieved",
                                 "not_achieved": "Not achieved", "carried_forward": "Carried forward"})
    evidence = f.longtext("Evidence and comments on outcome")
    ppg_spent = f.money("PP+ spent")
    ppg_impact = f.choice("Impact of PP+", {"significant": "Significant", "moderate": "Moderate",
                                           "minimal": "Minimal", "none": "None"})
    reason_if_not_met = f.longtext("Reason if not met")


class Strategy(Section):
    action = f.longtext("Strategy or intervention")
    who = f.choice("By whom", {"dt": "Designated teacher", "class_teacher": "Class teacher",
                             "ta": "Teaching assistant", "senco": "SENCo", "key_worker": "Key worker",
                             "tutor": "Tutor", "carer": "Carer", "child": "Child", "vs": "Virtual school",
                             "external": "External provider"})
    frequency = f.text("How often")
    duration = f.text("For how long")
    where = f.text("Where")


class CostLine(Section):
    description = f.text("Item")
    unit_cost = f.money("Unit cost")
    unit = f.choice("Per", {"hour": "hour", "session": "session", "week": "week", "item": "item", "term": "term"})
    units_per_week = f.number("Units a week", 0, 100)
    weeks = f.number("Weeks", 0, 52)
    quantity = f.number("Quantity", 0, 1000)
    line_total = f.money("Line total", owner="system", derived=True)

    @validates_schema
    def _check(self, data, **_):
        errors = Errors()
        total = derived.line_total(data)
        if total is not None:
            check_derived(errors, data, "line_total", total, derived.line_formula(data))
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        total = derived.line_total(data)
        if total is not None:
            data["line_total"] = total
        return data


class Delivery(Section):
    sessions = f.integer("Sessions delivered", 0, 1000)
    delivered_by = f.text("Delivered by")
    resource_purchased_on = f.date("Resource bought on")
    resource_given_on = f.date("Resource given on")


class TargetPpg(Section):
    funded = f.flag("Funded by Pupil Premium Plus")
    cost_lines = f.many(CostLine, "PP+ costs", max_items=20)
    total = f.money("PP+ for this target", owner="system", derived=True)
    alternative_funding = f.longtext("Other funding (if no PP+)")
    category = f.choice("Type of spend", {
        "tuition": "Tuition", "small_group": "Small-group intervention", "mentoring": "Mentoring",
        "resources": "Resources", "therapy": "Therapeutic support", "enrichment": "Enrichment activities",
        "staff_training": "Staff training", "other": "Other"})
    delivery = f.nested(Delivery, "Delivery")

    @validates_schema
    def _check(self, data, **_):
        errors = Errors()
        if data.get("cost_lines") is not None:
            check_derived(errors, data, "total", derived.sum_money(c.get("line_total") for c in data["cost_lines"]),
                          "the sum of the cost lines")
        errors.raise_any()

    @post_load
    def _derive(self, data, **_):
        if data.get("cost_lines") is not None:
            data["total"] = derived.sum_money(c.get("line_total") for c in data["cost_lines"])
        return data


class SetBy(Section):
    name = f.text("Set by")
    role = f.choice("Role", {"teacher": "Teacher", "dt": "Designated teacher", "senco": "SENCo",
                           "pastoral": "Pastoral staff", "other": "Other"})


class Target(Section):
    owner = "dt"
    number = f.integer("Target number", 1, 100, owner="system", derived=True)
    category = f.choice("Area", TARGET_CATEGORIES)
    horizon = f.choice("Term", {"short": "Short term (by next PEP)", "long": "Long term (by end of year)"})
    target = f.longtext("Target")
    rationale = f.longtext("Why this target")
    baseline = f.text("Starting point")
    strategies = f.many(Strategy, "Strategies and interventions", max_items=20)
    success_criteria = f.longtext("Expected impact")
    by_date = f.date("To be achieved by")
    responsible = f.text("Who is responsible")
    set_by = f.nested(SetBy, "Set by")
    reflects_child_view = f.flag("Reflects the child's views")
    vs_intervention = f.longtext("Virtual school intervention")
    ppg = f.nested(TargetPpg, "Pupil Premium Plus")
    vs_decision = f.choice("Virtual school decision", {"agreed": "Agreed", "amended": "Amended",
                                                     "declined": "Declined"}, owner="vs")
    vs_comment = f.longtext("Virtual school comment", owner="vs")


class AdditionalRequest(Section):
    amount = f.money("Additional amount requested")
    justification = f.longtext("Justification")


class EarlierTerm(Section):
    term = f.choice("Term", TERMS)
    amount = f.money("Amount")


class Ppg(Section):
    owner = "dt"
    requested_total = f.money("PP+ requested this term", owner="system", derived=True)
    request_band = f.money("Request band")
    earlier_terms = f.many(EarlierTerm, "PP+ earlier this academic year", max_items=3)
    year_total = f.money("PP+ for the academic year", owner="system", derived=True)
    additional_request = f.nested(AdditionalRequest, "Additional funding request")
    approved_amount = f.money("Amount approved", owner="vs")
    approved_by = f.text("Approved by", owner="vs")
    approved_on = f.date("Approved on", owner="vs")
    release_condition = f.choice("Released", {"on_vs_signoff": "On virtual school sign-off",
                                            "green_qa_only": "Only for PEPs rated green",
                                            "in_arrears": "A term in arrears"}, owner="vs")
    payment_status = f.choice("Payment", {"not_requested": "Not requested", "pending": "Pending",
                                        "approved": "Approved", "declined": "Declined", "paid": "Paid"}, owner="vs")
    eypp = f.money("Early years pupil premium")
    bursary_16_19 = f.money("16–19 bursary")
    impact_summary = f.longtext("Impact of PP+ spent last term")


# --- 1.17–1.19 transition, aspirations, careers, wider activities --------------------------------------


class ReceivingSetting(Section):
    name = f.text("Receiving school or setting")
    contact = f.text("Contact")


class Transition(Section):
    owner = "dt"
    next = f.choice("Next transition", {
        "into_nursery": "Starting nursery", "nursery_to_reception": "Nursery to Reception",
        "infant_to_junior": "Infant to junior", "y6_to_y7": "Year 6 to Year 7", "ks3_to_ks4_options":
        "GCSE options", "y11_to_post16": "Year 11 to post-16", "school_move": "Change of school",
        "reintegration": "Return to school", "placement_move": "Placement move", "leaving_care": "Leaving care"})
    date = f.date("Date of transition")
    receiving_setting = f.nested(ReceivingSetting, "Receiving setting")
    receiving_setting_invited = f.flag("Receiving setting invited to the PEP")
    plan = f.longtext("Transition plan")
    records_transferred = f.flag("Records transferred")


class Aspirations(Section):
    owner = "child"
    short_term = f.longtext("Short-term aspirations")
    long_term = f.longtext("Long-term aspirations")
    pathway = f.choice("Aspiration pathway", {"academic": "Academic", "career": "Career", "sports": "Sports",
                                            "arts": "Arts", "other": "Other"})


class Guidance(Section):
    date = f.date("Careers guidance on")
    adviser = f.text("Careers adviser")


class Post16Plan(Section):
    route = f.choice("Post-16 route", {
        "sixth_form": "Sixth form", "fe_college": "Further education college", "apprenticeship": "Apprenticeship",
        "t_level": "T level", "employment_with_training": "Employment with training",
        "supported_internship": "Supported internship", "other": "Other"})
    provider = f.text("Provider")
    course = f.text("Course")
    application_status = f.choice("Application", {"not_started": "Not started", "applied": "Applied",
                                                "offered": "Offered", "accepted": "Accepted"})


class Careers(Section):
    owner = "dt"
    guidance_received = f.nested(Guidance, "Careers guidance")
    work_experience = f.longtext("Work experience")
    ks4_options = f.texts("GCSE / KS4 options")
    predicted_grades = f.many(Grade, "Predicted grades", max_items=20)
    post16_plan = f.nested(Post16Plan, "Post-16 plan")


class Activity(Section):
    activity = f.text("Activity")
    in_school = f.flag("In school")
    frequency = f.text("How often")
    funded_by = f.text("Funded by")


class Achievement(Section):
    date = f.date("Date")
    description = f.longtext("Achievement")


class SupportClubs(Section):
    homework_club = f.flag("Homework club")
    breakfast_club = f.flag("Breakfast club")
    revision = f.flag("Revision sessions")


# --- 1.20 sign-offs, QA, attachments, audit --------------------------------------------------------


class SectionStatus(Section):
    owner = "system"
    id = f.text("Section")
    completed = f.flag("Completed")
    completed_by = f.text("Completed by")
    completed_at = f.datetime("Completed at")


class Signature(Section):
    name = f.text("Name")
    role = f.text("Role")
    signed_at = f.datetime("Signed")
    comment = f.longtext("Comment")


class VsSignature(Signature):
    final = f.flag("Final sign-off")


class Signoffs(Section):
    social_worker = f.nested(Signature, "Social worker", owner="sw")
    designated_teacher = f.nested(Signature, "Designated teacher", owner="dt")
    chair_confirmation = f.nested(Signature, "Chair", owner="both")
    child = f.nested(Signature, "Child or young person", owner="child")
    carer = f.nested(Signature, "Carer", owner="carer")
    personal_adviser = f.nested(Signature, "Personal adviser", owner="sw")
    virtual_school = f.nested(VsSignature, "Virtual school", owner="vs")


class SectionRating(Section):
    section = f.text("Section")
    rating = f.choice("Rating", {"gold": "Gold", **RAG})


class Qa(Section):
    owner = "vs"
    rating = f.choice("Quality rating", {"gold": "Gold", **RAG})
    section_ratings = f.many(SectionRating, "Ratings by section", max_items=30)
    feedback = f.longtext("Feedback")
    actions_required = f.longtext("Actions required")
    rejection_reason = f.longtext("Reason for sending back")
    reviewer = f.text("Quality assured by")
    date = f.date("Date of quality assurance")


class Attachment(Section):
    type = f.choice("Document", {
        "ehcp": "EHC plan", "sen_plan": "SEN plan", "school_report": "School report",
        "attendance_printout": "Attendance printout", "exclusion_letter": "Exclusion letter",
        "progress_tracking": "Progress tracking", "work_sample": "Work sample",
        "record_of_discussion_with_child": "Record of discussion with the child",
        "progress_check_2yr": "Two-year progress check", "photo": "Photo", "other": "Other"})
    file = f.text("File name")
    description = f.text("Description")
    uploaded_by = f.text("Uploaded by")
    uploaded_at = f.datetime("Uploaded")


class AuditEntry(Section):
    owner = "system"
    at = f.datetime("When")
    user = f.text("Who")
    role = f.text("Role")
    action = f.choice("Action", ["create", "edit", "submit", "sign", "qa", "reject", "export", "file_to_case_record",
                               "ingest"])
    section = f.text("Section")
    detail = f.longtext("Detail")


class Distribution(Section):
    owner = "vs"
    to = f.choice("Sent to", {"carer": "Carer", "school": "School", "social_worker": "Social worker", "iro": "IRO",
                            "child": "Child", "receiving_school": "Receiving school", "case_record":
                            "Case record (ESCR / Mosaic)"})
    sent_on = f.date("Sent on")


# --- 1.22 early years, 1.23 post-16, 1.24 pathway plan -----------------------------------------------


class Development(Section):
    area = f.choice("Area of learning", {
        "communication_language": "Communication and language",
        "psed": "Personal, social and emotional development", "physical": "Physical development",
        "literacy": "Literacy", "mathematics": "Mathematics", "understanding_world": "Understanding the world",
        "expressive_arts": "Expressive arts and design"})
    band = f.text("Development band / age band")
    on_track = f.choice("On track?", ON_TRACK)
    next_steps = f.longtext("Next steps")


class ProgressCheck(Section):
    date = f.date("Date of two-year check")
    summary = f.longtext("Summary")


class Elg(Section):
    elg = f.text("Early learning goal")
    outcome = f.choice("Outcome", {"emerging": "Emerging", "expected": "Expected"})


class EyfsProfile(Section):
    elg = f.many(Elg, "Early learning goals", max_items=17)


class SchoolPlace(Section):
    applied = f.flag("School place applied for")
    offered_setting = f.text("Place offered at")


class EarlyYears(Section):
    owner = "dt"
    setting_type = f.choice("Type of setting", {"nursery_class": "Nursery class",
                                              "pvi_nursery": "Private, voluntary or independent nursery",
                                              "preschool": "Pre-school", "childminder": "Childminder"})
    funded_hours = f.choice("Funded hours a week", {"15": "15 hours", "30": "30 hours"})
    hours_attended = f.number("Hours attended a week", 0, 60)
    eypp_eligible = f.flag("Eligible for early years pupil premium")
    eypp_amount = f.money("EYPP amount")
    key_person = f.text("Key person")
    development = f.many(Development, "Development", max_items=10)
    characteristics_of_effective_learning = f.longtext("Characteristics of effective learning")
    progress_check_2yr = f.nested(ProgressCheck, "Progress check at two")
    eyfs_profile = f.nested(EyfsProfile, "EYFS profile")
    about_me = f.longtext("About me", owner="child")
    school_place = f.nested(SchoolPlace, "School place")


class Resits(Section):
    english = f.flag("Resitting English")
    maths = f.flag("Resitting maths")


class Bursary(Section):
    applied = f.flag("Applied for the 16–19 bursary")
    amount = f.money("Bursary amount")


class NeetPlan(Section):
    barriers = f.longtext("Barriers")
    actions = f.longtext("Actions")
    referrals = f.longtext("Referrals")


class Post16(Section):
    owner = "dt"
    eet_status = f.choice("Education, employment or training", {
        "education": "In education", "apprenticeship": "Apprenticeship",
        "employment_with_training": "Employment with training", "traineeship": "Traineeship",
        "volunteering_plus_learning": "Volunteering with learning", "neet": "Not in education, employment or training",
        "custody": "In custody"}, owner="sw")
    provider = f.text("Provider")
    course = f.text("Course")
    level = f.text("Level")
    start_date = f.date("Start date")
    expected_end = f.date("Expected end")
    english_maths_resit = f.nested(Resits, "English and maths")
    attendance_pct = f.percent("Attendance")
    progress = f.longtext("Progress")
    bursary = f.nested(Bursary, "Bursary")
    travel_support = f.longtext("Travel support")
    neet_plan = f.nested(NeetPlan, "Plan to return to education, employment or training", owner="sw")
    pathway_plan_ref = f.text("Pathway plan reference", owner="sw")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_):
        errors = Errors()
        check_order(errors, data, "start_date", "expected_end", "Comes before the start date.")
        errors.raise_any()


class PathwayBlock(Section):
    needs = f.longtext("Needs")
    actions = f.many(Action, "Actions", max_items=20)
    young_person_view = f.longtext("My view", owner="child")


class Accommodation(PathwayBlock):
    suitability = f.longtext("Suitability of accommodation")


class Pathway(Section):
    owner = "sw"
    status = f.choice("Care leaver status", {"eligible": "Eligible", "relevant": "Relevant",
                                           "former_relevant": "Former relevant", "qualifying": "Qualifying"})
    needs_assessment_date = f.date("Needs assessment completed")
    review_due = f.date("Pathway plan review due")
    contact_support = f.nested(PathwayBlock, "Contact and personal support")
    education_training = f.nested(PathwayBlock, "Education and training")
    employment = f.nested(PathwayBlock, "Employment and purposeful activity")
    contingency = f.nested(PathwayBlock, "Contingency plans")
    accommodation = f.nested(Accommodation, "Accommodation")
    relationships = f.nested(PathwayBlock, "Family and social relationships")
    independent_living_skills = f.nested(PathwayBlock, "Independent living skills")
    finance = f.nested(PathwayBlock, "Finance")
    health = f.nested(PathwayBlock, "Health and development")
    identity = f.nested(PathwayBlock, "Identity (religion, culture, language)")


# --- the record -----------------------------------------------------------------------------------


class PepRecord(Section):
    owner = "system"
    pep = f.nested(PepMeta, "About this PEP", required=True)
    child = f.nested(Child, "The child", required=True)
    care = f.nested(Care, "Care")
    people = f.nested(People, "People")
    permissions = f.nested(Permissions, "Permissions and arrangements")
    meeting = f.nested(Meeting, "The PEP meeting")
    education = f.nested(Education, "Education")
    attainment = f.nested(Attainment, "Attainment and progress")
    attendance = f.nested(Attendance, "Attendance")
    exclusions = f.nested(Exclusions, "Exclusions")
    behaviour = f.nested(Behaviour, "Behaviour")
    sen = f.nested(Sen, "Special educational needs")
    health = f.nested(Health, "Health")
    wellbeing = f.nested(Wellbeing, "Emotional wellbeing")
    roni = f.nested(Roni, "Risk of NEET indicator (RONI)")
    views = f.nested(Views, "The child's views")
    carer = f.nested(CarerViews, "Carer's views")
    previous_targets = f.many(PreviousTarget, "Review of previous targets", owner="dt", max_items=30)
    targets = f.many(Target, "Targets", owner="dt", max_items=30)
    ppg = f.nested(Ppg, "Pupil Premium Plus")
    transition = f.nested(Transition, "Transition")
    aspirations = f.nested(Aspirations, "Aspirations")
    careers = f.nested(Careers, "Careers")
    extracurricular = f.many(Activity, "Extra-curricular activities", owner="dt", max_items=30)
    achievements = f.many(Achievement, "Achievements", owner="dt", max_items=30)
    support_clubs = f.nested(SupportClubs, "Support clubs", owner="dt")
    sections = f.many(SectionStatus, "Section status", max_items=40)
    signoffs = f.nested(Signoffs, "Sign-off")
    qa = f.nested(Qa, "Quality assurance")
    attachments = f.many(Attachment, "Attached documents", owner="both", max_items=50)
    audit = f.many(AuditEntry, "Audit trail", max_items=1000)
    distribution = f.many(Distribution, "Copies sent", max_items=20)
    ey = f.nested(EarlyYears, "Early years")
    p16 = f.nested(Post16, "Post-16")
    pathway = f.nested(Pathway, "Pathway plan")

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_dates(self, data, original, **_):
        """Dates in order: runs despite errors elsewhere (only dates that loaded are compared)."""
        errors = Errors()
        for later in ("care.date_entered_care", "care.placement.start_date", "meeting.date", "views.date",
                      "education.admission_date"):
            check_order(errors, data, "child.date_of_birth", later, "Comes before the child's date of birth.")
        meeting = value_at(data, "meeting.date")
        targets, supplied = data.get("targets") or [], original.get("targets")
        if isinstance(supplied, list) and len(targets) == len(supplied):  # a null target drops out of the list
            for i, target in enumerate(targets):
                if meeting and target.get("by_date") and target["by_date"] < meeting:
                    errors.add(f"targets.{i}.by_date", "Comes before the meeting at which the target was set.")
        errors.raise_any()

    @validates_schema
    def _check(self, data, **_):
        errors = Errors()
        for i, target in enumerate(data.get("targets") or []):
            if target.get("number") is not None and target["number"] != i + 1:
                errors.add(f"targets.{i}.number", f"Disagrees with the computed value {i + 1} (its place in the list).")
        self._check_ppg(errors, data)
        self._check_roni(errors, data)
        errors.raise_any()

    @staticmethod
    def _check_ppg(errors: Errors, data: dict) -> None:
        ppg = data.get("ppg") or {}
        requested = _requested_total(data)
        if requested is not None and ppg.get("requested_total") is not None and ppg["requested_total"] != requested:
            errors.add("ppg.requested_total", f"Disagrees with the computed value {requested} (the sum of the "
                                              "targets' PP+).")
        year = _year_total(data, requested)
        if year is not None and ppg.get("year_total") is not None and ppg["year_total"] != year:
            errors.add("ppg.year_total", f"Disagrees with the computed value {year} (this term plus earlier terms).")

    @staticmethod
    def _check_roni(errors: Errors, data: dict) -> None:
        stage = value_at(data, "child.key_stage")
        required = value_at(data, "roni.required")
        computed = derived.roni_required(stage)
        if required is not None and computed is not None and required != computed:
            errors.add("roni.required", f"Disagrees with the computed value {'true' if computed else 'false'} "
                                        f"(key stage {stage}).")

    @post_load
    def _derive(self, data, **_):
        for i, target in enumerate(data.get("targets") or []):
            target["number"] = i + 1
        requested = _requested_total(data)
        if requested is not None:
            data.setdefault("ppg", {})["requested_total"] = requested
        year = _year_total(data, requested)
        if year is not None:
            data.setdefault("ppg", {})["year_total"] = year
        computed = derived.roni_required(value_at(data, "child.key_stage"))
        if computed is not None and data.get("roni") is not None:
            data["roni"]["required"] = computed
        return data


def _requested_total(data: dict):
    """This term's PP+ request: the sum of the targets' PP+ totals, when any target has costs."""
    totals = [value_at(t, "ppg.total") for t in data.get("targets") or []]
    return derived.sum_money(totals) if any(t is not None for t in totals) else None


def _year_total(data: dict, requested):
    earlier = value_at(data, "ppg.earlier_terms")
    if requested is None and not earlier:
        return None
    return derived.sum_money([requested, *[e.get("amount") for e in earlier or []]])


# `Text` is re-exported for modules that build schemas of their own (ingestion of forms).
__all__ = ["ACADEMIC_CATEGORIES", "ATTENDEE_ROLES", "PepRecord", "Text"]
