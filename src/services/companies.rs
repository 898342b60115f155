//! Onboarding a company: legal details, region, contract and its administrator.

use crate::authz::OperatorPermit;
use crate::domain::Problem;
use crate::domain::audit::{AuditEvent, CreatedCompany};
use crate::domain::{Inn, Kpp, Msisdn, Ogrn};
use crate::store::audit;
use crate::store::companies::{self, Company, NewCompany};
use crate::store::{Db, catalogue, users};

use super::{FieldError, UseCaseError, auth, optional, required};

#[derive(Debug, Clone, Default)]
pub struct CompanyInput {
    pub legal_name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub legal_address: String,
    pub region: String,
    pub contract_number: String,
    pub contact_email: String,
    pub admin_number: String,
    pub admin_name: String,
    /// None: generate one and return it.
    pub admin_password: Option<String>,
}

#[derive(Debug)]
pub struct Created {
    pub company: Company,
    pub admin_msisdn: Msisdn,
    /// Set when a password was generated for a new administrator: shown once.
    pub generated_password: Option<String>,
}

pub async fn create(
    db: &Db,
    operator: &OperatorPermit,
    input: &CompanyInput,
) -> Result<Created, UseCaseError> {
    let mut errors = Vec::new();
    let mut check = |r: Result<String, FieldError>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            String::new()
        }
    };
    let legal_name = check(required("name", &input.legal_name, 300));
    let legal_address = check(optional("address", &input.legal_address, 500));
    let contract_number = check(optional("contract", &input.contract_number, 50));
    let contact_email = check(optional("email", &input.contact_email, 254));
    let admin_name = check(optional("admin_name", &input.admin_name, 200));
    let inn = Inn::parse(&input.inn).map_err(|e| FieldError::from_parse("inn", e));
    let kpp = Kpp::parse(&input.kpp).map_err(|e| FieldError::from_parse("kpp", e));
    let ogrn = if input.ogrn.trim().is_empty() {
        Ok(String::new())
    } else {
        Ogrn::parse(&input.ogrn)
            .map(|o| o.as_str().to_owned())
            .map_err(|e| FieldError::from_parse("ogrn", e))
    };
    let admin =
        Msisdn::parse(&input.admin_number).map_err(|e| FieldError::from_parse("admin_number", e));
    let password = match &input.admin_password {
        Some(p) => auth::validate_password(p)
            .map(|_| (p.clone(), false))
            .map_err(|e| FieldError::from_parse("password", e)),
        None => Ok((auth::generate_password(), true)),
    };
    if !contact_email.is_empty() && !contact_email.contains('@') {
        errors.push(FieldError::new(
            "email",
            Problem::NotAnEmail {
                input: contact_email.clone(),
            },
        ));
    }
    if !catalogue::region_exists(db, input.region.trim()).await? {
        errors.push(FieldError::new(
            "region",
            Problem::UnknownRegion {
                region: input.region.trim().to_owned(),
            },
        ));
    }
    let (inn, kpp, ogrn, admin, password) = match (inn, kpp, ogrn, admin, password) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) if errors.is_empty() => (a, b, c, d, e),
        (a, b, c, d, e) => {
            errors.extend(
                [a.err(), b.err(), c.err(), d.err(), e.err()]
                    .into_iter()
                    .flatten(),
            );
            return Err(UseCaseError::Invalid(errors));
        }
    };

    let hash = auth::hash_password(password.0.clone()).await?;
    let mut tx = db.begin().await?;
    let company = companies::insert(
        &mut tx,
        operator,
        &NewCompany {
            legal_name,
            inn: inn.to_string(),
            kpp: kpp.to_string(),
            ogrn,
            legal_address,
            region_code: input.region.trim().to_owned(),
            contract_number: if contract_number.is_empty() {
                format!("Д-{}-{}", inn.as_str(), kpp.as_str())
            } else {
                contract_number
            },
            contact_email,
        },
    )
    .await
    .map_err(UseCaseError::unless_taken("inn", Problem::CompanyExists))?;
    let name = if admin_name.is_empty() {
        "Администратор"
    } else {
        &admin_name
    };
    let (user_id, generated) = match users::find_by_msisdn_tx(&mut tx, admin.as_str()).await? {
        Some(u) if u.is_staff != 0 => {
            return Err(UseCaseError::field("admin_number", Problem::StaffNumber));
        }
        // An existing person (a holding's administrator) keeps their password.
        Some(u) if u.password_hash.is_some() && input.admin_password.is_none() => (u.id, None),
        Some(u) => {
            users::set_password_hash(&mut tx, u.id, &hash).await?;
            (u.id, password.1.then(|| password.0.clone()))
        }
        None => {
            let id = users::insert(
                &mut tx,
                &users::NewUser {
                    msisdn: admin.as_str(),
                    full_name: name,
                    email: "",
                    password_hash: Some(&hash),
                    is_staff: false,
                },
            )
            .await?;
            (id, password.1.then(|| password.0.clone()))
        }
    };
    let in_company = operator.in_company(company.id);
    users::add_membership(&mut tx, &in_company, user_id, "admin", name).await?;
    let event = AuditEvent::CompanyCreated {
        company_id: company.id,
        company: CreatedCompany {
            legal_name: company.legal_name.clone(),
            inn: company.inn.clone(),
            kpp: company.kpp.clone(),
            region: company.region_code.clone(),
            account: company.account_number.clone(),
            admin: admin.as_str().to_owned(),
        },
    };
    audit::append(&mut tx, &in_company, &event).await?;
    tx.commit().await?;
    Ok(Created {
        company,
        admin_msisdn: admin,
        generated_password: generated,
    })
}

/// Creates an operator staff account; returns the password (generated if not given).
pub async fn add_staff(
    db: &Db,
    operator: &OperatorPermit,
    number: &str,
    name: &str,
    password: Option<String>,
) -> Result<(Msisdn, Option<String>), UseCaseError> {
    let msisdn = Msisdn::parse(number).map_err(|e| UseCaseError::field("number", e.0))?;
    let name = required("name", name, 200).map_err(|e| UseCaseError::Invalid(vec![e]))?;
    let (pw, generated) = match password {
        Some(p) => {
            auth::validate_password(&p).map_err(|e| UseCaseError::field("password", e.0))?;
            (p, false)
        }
        None => (auth::generate_password(), true),
    };
    let hash = auth::hash_password(pw.clone()).await?;
    let mut tx = db.begin().await?;
    if users::find_by_msisdn_tx(&mut tx, msisdn.as_str())
        .await?
        .is_some()
    {
        return Err(UseCaseError::field("number", Problem::NumberRegistered));
    }
    let id = users::insert(
        &mut tx,
        &users::NewUser {
            msisdn: msisdn.as_str(),
            full_name: &name,
            email: "",
            password_hash: Some(&hash),
            is_staff: true,
        },
    )
    .await?;
    let event = AuditEvent::StaffAdded {
        user_id: id,
        msisdn: msisdn.as_str().to_owned(),
    };
    audit::append_operator(&mut tx, operator, &event).await?;
    tx.commit().await?;
    Ok((msisdn, generated.then_some(pw)))
}
