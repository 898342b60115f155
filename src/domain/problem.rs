//! Why an input or a change was refused, as a code with its values. The domain and the use
//! cases return these; `web` says each in the page's language (`web::i18n::problems`, one match
//! over every kind, so a problem without its sentence does not compile) and the API gives the
//! code with an English message.

use serde::{Deserialize, Serialize};

/// A refusal: its code (`snake_case` of the variant) and the values its sentence names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    // Text fields.
    Required,
    TooLong {
        max: usize,
    },
    ControlCharacters,
    NotAnEmail {
        input: String,
    },
    NotADate {
        input: String,
    },
    NotAMonth {
        input: String,
    },
    DateInThePast,
    NotAnId {
        input: String,
    },

    // Phone numbers.
    NumberMissing,
    NumberCharacter {
        character: char,
    },
    NumberTooShort {
        input: String,
    },
    NumberTooLong {
        input: String,
    },
    NumberNotRussian {
        input: String,
    },
    NumberNotMobile {
        input: String,
    },

    // Amounts.
    AmountMissing,
    NotAnAmount {
        input: String,
    },
    AmountNegative,
    AmountTooPrecise,
    AmountTooLarge,

    // SIM cards.
    IccidMissing,
    IccidNotDigits,
    IccidLength {
        digits: usize,
    },
    IccidPrefix,
    IccidCheckDigit,

    // Company identifiers.
    IdMissing {
        what: CompanyIdKind,
    },
    IdNotDigits {
        what: CompanyIdKind,
    },
    IdLength {
        what: CompanyIdKind,
        digits: usize,
        wanted: Vec<usize>,
    },
    IdCheckDigit {
        what: CompanyIdKind,
    },
    KppShape,

    // Codes of the catalogue and the line's states.
    UnknownStatus {
        input: String,
    },
    UnknownBlockReason {
        input: String,
    },
    UnknownLimitAction {
        input: String,
    },

    // A line's state refusing a change.
    LineTerminated,
    BlockedByOperator,
    AlreadySuspended,
    NotSuspended,
    AlreadyBlocked,
    NotBlocked,
    LineSuspended,
    LineBlocked,

    // Changing a line.
    TariffNotInRegion {
        tariff_code: String,
    },
    NoSuchTariff {
        tariff_code: String,
    },
    TariffClosed {
        tariff: String,
    },
    AlreadyOnTariff {
        tariff: String,
    },
    NoSuchService {
        service_code: String,
    },
    ServiceAlreadyOn {
        service: Name,
    },
    ServiceClosed {
        service: Name,
    },
    ServiceNotForTariff {
        service: Name,
        tariff: String,
    },
    ServiceClashes {
        service: Name,
        enabled: Vec<Name>,
    },
    ServiceNotOn {
        service: Name,
    },
    SimUsed {
        iccid: String,
    },
    LimitZero,
    LimitTooLarge {
        max_kop: i64,
    },
    NoLimit,
    NoSuchEmployee,
    NoSuchDepartment,
    DepartmentOutsideRights,
    KeyLength,
    KeyReused,
    NotTheCompanysLine,
    ChangedMeanwhile,
    /// The network did not make the change (`why`: what it said, or that it said nothing).
    NotApplied {
        why: Box<Problem>,
    },
    NetworkTimeout,
    NetworkUnreachable,
    NetworkAnswered {
        status: u16,
        body: String,
    },
    NetworkClient {
        detail: String,
    },
    /// Something failed on our side (logged); the person can only try again.
    Internal,

    // Access.
    NoSuchRole {
        role: String,
    },
    LastAdmin,
    CannotBlockSelf,
    AdminsBlock,
    NoRightChosen,
    IsAdmin,
    IsAccountant,
    /// Someone invited into a role is in the company already.
    AlreadyMember,
    TooManyInvitations {
        minutes: i64,
    },
    NoSuchRight {
        right_code: String,
    },
    NotAPhoneNumber {
        input: String,
    },
    NotTheCompanysNumber {
        number: String,
    },
    NoScopeChosen,
    /// `right`: a right's code (`lines.view`), said by its name.
    RightNotHeld {
        right: String,
    },
    RightOnlyAdmins {
        right: String,
    },
    RightEndsSooner {
        right: String,
        /// `dd.mm.yyyy`.
        last_day: String,
    },
    DepartmentOutsideRight {
        id: i64,
        right: String,
    },
    LinesOutsideRight {
        right: String,
    },
    TokenOnlyAdmins,

    // The company's structure and people.
    DepartmentNameTaken,
    DepartmentInItself,
    DepartmentNotEmpty {
        name: String,
        departments: i64,
        lines: i64,
        employees: i64,
    },
    PersonnelNumberTaken,
    UnknownRegion {
        region: String,
    },
    CompanyExists,
    StaffNumber,
    NumberRegistered,
    IsStaff,
    StillMember {
        companies: i64,
    },
    PasswordTooShort {
        min: usize,
    },
    PasswordTooLong,
    PasswordCommon,

    // Roster files.
    NoPhoneColumn,
    NameTooLong {
        max: usize,
    },
    LimitTooLargeInput {
        input: String,
    },
    NumberTwice {
        number: String,
        first_row: usize,
    },
    PersonnelNumberShared {
        number: String,
    },
    NameShared {
        count: usize,
        name: String,
    },
    NotALine {
        number: String,
        or_outside_rights: bool,
    },
    DepartmentNotYours {
        path: String,
    },
    EmployeeRowDiffers {
        name: String,
        first_row: usize,
    },
    /// Another change of the line is with the operator's network still.
    ChangeInHand,
    /// A bulk change chose no line (or only lines it cannot act on).
    NothingSelected,
    /// A bulk change chose more lines than one operation takes.
    TooManyLines {
        max: usize,
    },
    /// A per-line value given for a change that takes none.
    NoValueTaken,
    /// The line is as the change would make it already.
    NothingChanges,
    /// The line was left out: the rights of whoever asked no longer cover it (revoked or
    /// blocked while the operation ran).
    OutsideRightsNow,
    /// A bulk change whose every chosen line is skipped: there is nothing to run.
    NothingToRun,
    /// A bulk operation that has ended cannot be cancelled.
    OperationEnded,
    /// A retry of a bulk operation none of whose lines failed.
    NothingFailed,
    /// A list's value names no department of the company.
    NoDepartmentNamed {
        name: String,
    },
    /// A list's value names several departments: their path tells them apart.
    DepartmentNameTwice {
        name: String,
    },
    /// A list uploaded for a bulk change is no longer kept (or is not one's own).
    ListGone,
    /// A line of a list of values has none, and the change none to give it.
    NoValueForLine,
    /// More lists kept than the cap (per person, per company) while they last.
    TooManyLists {
        max: usize,
    },
    /// A warning: a row without a personnel number names someone of an earlier row's name in
    /// another department or position, so a second person is added.
    NamesakeInFile {
        name: String,
        first_row: usize,
    },
    /// A warning: the company has someone of that name elsewhere, so another person is added.
    NamesakeInCompany {
        name: String,
    },

    FileEmpty,
    FileTooManyRows {
        max: usize,
    },
    FileTooManyCells {
        max: usize,
    },
    FileTooManyColumns {
        row: usize,
        max: usize,
    },
    NoSuchSheet {
        name: String,
    },
    NotASpreadsheet,
    FileEncrypted,
    FileDamaged,
    FileUnreadable {
        detail: String,
    },
    NoHeaderRow,
    FileHasErrors,
    StalePreview,
    AppliedAlready,
    FullSyncOnlyAdmins,
    NotFound,

    // Adding lines.
    RangeShape,
    RangeReversed,
    RangeTooLong {
        max: u64,
    },
    TariffNotForBusiness {
        tariff_code: String,
    },
    NoBusinessTariffs,
    NoNumbers,
    NumberListedTwice {
        number: String,
    },
    NumbersTaken {
        /// The first number taken.
        first: String,
        /// Whether this company holds it (or another).
        ours: bool,
        count: usize,
    },

    // Requests.
    /// A problem of one named field of a request.
    InField {
        field: String,
        problem: Box<Problem>,
    },
    UnknownAction {
        input: String,
    },
    UnknownSort {
        input: String,
    },
    /// A page of lines holds 50, 100 or 200.
    UnknownPageSize {
        input: String,
    },
    UnknownFormat {
        input: String,
    },
    UnknownEncoding,
    TooManyRows {
        max: i64,
    },
    NoDepartment {
        id: i64,
    },
    FileTooLarge {
        max_mb: usize,
    },
    /// The browser's form or upload did not read (what the reader said).
    BadForm {
        detail: String,
    },
    NotDeleted,

    /// A problem of one row of a list.
    InRow {
        row: usize,
        problem: Box<Problem>,
    },

    /// A sentence an earlier build stored (the network's answers in old log entries), shown
    /// as it was written.
    Stored {
        text: String,
    },
}

/// A catalogue name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    pub ru: String,
    pub en: String,
}

/// Which company identifier a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyIdKind {
    Inn,
    Kpp,
    Ogrn,
}

impl Problem {
    /// The code programs read (the API's `code`).
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "invalid".to_owned())
    }
}

/// For logs: the code and its values, never a sentence.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Stored { text } => f.write_str(text),
            other => match serde_json::to_string(other) {
                Ok(json) => f.write_str(&json),
                Err(_) => f.write_str("invalid"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_has_a_code_and_its_values() {
        assert_eq!(Problem::TooLong { max: 50 }.code(), "too_long");
        assert_eq!(Problem::LineTerminated.code(), "line_terminated");
        assert_eq!(
            serde_json::to_value(Problem::IccidLength { digits: 7 }).expect("json"),
            serde_json::json!({ "code": "iccid_length", "digits": 7 })
        );
    }
}
