//! A realistic demo company: Russian legal details, a department tree, employees with Russian
//! names, lines with tariffs, services, statuses and limits. Deterministic, and fast at 100k lines.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::authz::OperatorPermit;
use crate::domain::audit::{AuditEvent, DemoCounts};
use crate::domain::{LineStatus, Msisdn};
use crate::store::audit;
use crate::store::employees::NewEmployee;
use crate::store::{Db, catalogue, companies, departments, employees, lines};

use super::companies::{CompanyInput, create};
use super::lines::new_line;

pub const DEMO_INN: &str = "7728419375";
pub const DEMO_ADMIN: &str = "+79160000001";
pub const DEMO_PASSWORD: &str = "demo-simfleet";

#[derive(Debug)]
pub struct Demo {
    pub company_id: i64,
    pub created: bool,
    pub lines: usize,
    pub employees: usize,
}

const DEPARTMENTS: &[(&str, Option<&str>, &str)] = &[
    ("Дирекция", None, "ЦФО-100"),
    ("Коммерческий департамент", None, "ЦФО-200"),
    (
        "Отдел продаж Москва",
        Some("Коммерческий департамент"),
        "ЦФО-210",
    ),
    (
        "Отдел продаж регионы",
        Some("Коммерческий департамент"),
        "ЦФО-220",
    ),
    ("Логистика", None, "ЦФО-300"),
    ("Склад Москва", Some("Логистика"), "ЦФО-310"),
    ("Склад Подольск", Some("Логистика"), "ЦФО-320"),
    ("Транспортный отдел", Some("Логистика"), "ЦФО-330"),
    ("Финансы", None, "ЦФО-400"),
    ("Бухгалтерия", Some("Финансы"), "ЦФО-410"),
    ("Информационные технологии", None, "ЦФО-500"),
    ("Служба персонала", None, "ЦФО-600"),
];

const MALE_SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Ёлкин",
    "Щербаков",
];
const MALE_NAMES: &[&str] = &[
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Евгений",
    "Иван",
    "Михаил",
    "Артём",
    "Николай",
    "Владимир",
    "Павел",
    "Роман",
    "Олег",
    "Игорь",
    "Денис",
    "Константин",
    "Юрий",
    "Виктор",
    "Антон",
    "Илья",
    "Кирилл",
    "Никита",
    "Фёдор",
    "Пётр",
    "Григорий",
    "Степан",
];
const FEMALE_NAMES: &[&str] = &[
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Анна",
    "Мария",
    "Екатерина",
    "Юлия",
    "Анастасия",
    "Марина",
    "Людмила",
    "Галина",
    "Дарья",
    "Ксения",
    "Алёна",
    "Виктория",
    "Полина",
    "Вера",
    "Надежда",
    "Любовь",
    "Софья",
    "Яна",
    "Евгения",
    "Оксана",
    "Алла",
    "Жанна",
];
const FATHERS: &[&str] = &[
    "Александров",
    "Сергеев",
    "Дмитриев",
    "Андреев",
    "Алексеев",
    "Викторов",
    "Евгеньев",
    "Иванов",
    "Михайлов",
    "Николаев",
    "Владимиров",
    "Павлов",
    "Петров",
    "Юрьев",
    "Олегов",
    "Игорев",
    "Фёдоров",
    "Григорьев",
    "Степанов",
    "Борисов",
    "Анатольев",
    "Геннадьев",
];
const POSITIONS: &[&str] = &[
    "Менеджер по продажам",
    "Ведущий специалист",
    "Кладовщик",
    "Водитель-экспедитор",
    "Бухгалтер",
    "Инженер",
    "Руководитель группы",
    "Специалист по логистике",
    "Системный администратор",
    "Экономист",
    "Оператор склада",
    "Начальник отдела",
    "Юрист",
    "Аналитик",
    "Диспетчер",
];

fn person(rng: &mut StdRng) -> String {
    let surname = MALE_SURNAMES[rng.random_range(0..MALE_SURNAMES.len())];
    let father = FATHERS[rng.random_range(0..FATHERS.len())];
    if rng.random_bool(0.45) {
        let name = FEMALE_NAMES[rng.random_range(0..FEMALE_NAMES.len())];
        format!("{surname}а {name} {father}на")
    } else {
        let name = MALE_NAMES[rng.random_range(0..MALE_NAMES.len())];
        format!("{surname} {name} {father}ич")
    }
}

/// Creates the demo company with `line_count` lines, or finds it if it is already there.
pub async fn create_demo(db: &Db, line_count: usize) -> anyhow::Result<Demo> {
    let operator = OperatorPermit::tool("demo");
    if catalogue::regions(db).await?.is_empty() {
        super::catalogue::load_shipped(db, &operator).await?;
    }
    if let Some(existing) = companies::find_by_inn(db, &operator, DEMO_INN)
        .await?
        .first()
    {
        return Ok(Demo {
            company_id: existing.id,
            created: false,
            lines: 0,
            employees: 0,
        });
    }
    let created = create(
        db,
        &operator,
        &CompanyInput {
            legal_name: "ООО «Северный Путь Логистик»".into(),
            inn: DEMO_INN.into(),
            kpp: "772801001".into(),
            ogrn: "1177746123455".into(),
            legal_address: "117342, г. Москва, ул. Профсоюзная, д. 65, корп. 1, офис 412".into(),
            region: "77".into(),
            contract_number: "К-77-2024/0815".into(),
            contact_email: "telecom@severput.ru".into(),
            admin_number: DEMO_ADMIN.into(),
            admin_name: "Кузнецова Ирина Сергеевна".into(),
            admin_password: Some(DEMO_PASSWORD.into()),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the demo company: {e:?}"))?;
    let company_id = created.company.id;
    let permit = operator.in_company(company_id);
    let mut rng = StdRng::seed_from_u64(20261125);
    let tariffs = catalogue::tariffs_of_region(db, "77").await?;
    let tariff = |code: &str| {
        tariffs
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.id)
            .unwrap_or(tariffs[0].id)
    };
    let services = catalogue::service_ids(db).await?;
    let service = |code: &str| services.iter().find(|(_, c)| c == code).map(|(id, _)| *id);

    let mut tx = db.begin().await?;
    let mut dept_ids: Vec<(String, i64)> = Vec::new();
    for (name, parent, cc) in DEPARTMENTS {
        let parent_id =
            parent.and_then(|p| dept_ids.iter().find(|(n, _)| n == p).map(|(_, id)| *id));
        let id = departments::insert(
            &mut tx,
            &permit,
            &departments::Fields {
                parent_id,
                name,
                cost_centre: cc,
            },
        )
        .await?;
        dept_ids.push(((*name).to_owned(), id));
    }
    // Leaf departments get most people.
    let weights: Vec<(i64, u32)> = dept_ids
        .iter()
        .map(|(name, id)| {
            let w = match name.as_str() {
                "Склад Москва" | "Отдел продаж Москва" => 30,
                "Склад Подольск" | "Транспортный отдел" | "Отдел продаж регионы" => {
                    20
                }
                "Коммерческий департамент" | "Логистика" | "Финансы" => {
                    2
                }
                _ => 6,
            };
            (*id, w)
        })
        .collect();
    let total_w: u32 = weights.iter().map(|(_, w)| w).sum();
    let pick_dept = |rng: &mut StdRng| {
        let mut x = rng.random_range(0..total_w);
        for (id, w) in &weights {
            if x < *w {
                return *id;
            }
            x -= w;
        }
        weights[0].0
    };

    let employee_count = line_count * 9 / 10;
    let people: Vec<NewEmployee> = (0..employee_count)
        .map(|i| {
            let department_id = Some(pick_dept(&mut rng));
            NewEmployee {
                department_id,
                full_name: person(&mut rng),
                personnel_number: format!("{:05}", i + 1),
                position: POSITIONS[rng.random_range(0..POSITIONS.len())].to_owned(),
                email: format!("e{:05}@severput.ru", i + 1),
            }
        })
        .collect();
    let employee_ids = employees::insert_many(&mut tx, &permit, &people).await?;

    let mut new_lines = Vec::with_capacity(line_count);
    let base: u64 = 9_165_000_000;
    for i in 0..line_count {
        let msisdn = Msisdn::parse(&(base + 10 + i as u64 * 7).to_string())?;
        let roll: f64 = rng.random();
        let status = if roll < 0.90 {
            LineStatus::Active
        } else if roll < 0.96 {
            LineStatus::Suspended
        } else if roll < 0.99 {
            LineStatus::Blocked
        } else {
            LineStatus::Terminated
        };
        let (employee, tariff_code) = if i < employee_count {
            let code = match rng.random_range(0..10) {
                0..=3 => "biz-start",
                4..=6 => "biz-optimum",
                7..=8 => "biz-max",
                _ => "biz-unlim",
            };
            (Some(i), code)
        } else if rng.random_bool(0.6) {
            (None, "biz-modem")
        } else {
            (None, "biz-iot")
        };
        let mut line = new_line(&msisdn, tariff(tariff_code), status);
        line.employee_id = employee.map(|e| employee_ids[e]);
        line.department_id = match employee {
            Some(e) => people[e].department_id,
            None => Some(pick_dept(&mut rng)),
        };
        if rng.random_bool(0.3) {
            line.spend_limit_kop =
                Some([100_000, 150_000, 200_000, 300_000, 500_000][rng.random_range(0..5)]);
        }
        line.activated_on = format!(
            "20{:02}-{:02}-{:02}",
            rng.random_range(19..26),
            rng.random_range(1..13),
            rng.random_range(1..29)
        );
        new_lines.push((line, tariff_code));
    }
    let rows: Vec<_> = new_lines.iter().map(|(l, _)| l.clone()).collect();
    let line_ids = lines::insert_many(&mut tx, &permit, &rows).await?;

    let mut pairs = Vec::new();
    for (id, (_, code)) in line_ids.iter().zip(&new_lines) {
        if *code == "biz-modem" {
            pairs.extend(service("static-ip").map(|s| (*id, s)));
            continue;
        }
        if *code == "biz-iot" {
            continue;
        }
        pairs.extend(service("caller-id").map(|s| (*id, s)));
        if rng.random_bool(0.35) {
            pairs.extend(service("anti-spam").map(|s| (*id, s)));
        }
        if rng.random_bool(0.2) {
            pairs.extend(
                service(if rng.random_bool(0.5) {
                    "extra-10gb"
                } else {
                    "extra-30gb"
                })
                .map(|s| (*id, s)),
            );
        }
        if rng.random_bool(0.1) {
            pairs.extend(service("roaming-world").map(|s| (*id, s)));
        } else if rng.random_bool(0.3) {
            pairs.extend(service("roaming-barred").map(|s| (*id, s)));
        }
        if *code != "biz-start" && rng.random_bool(0.1) {
            pairs.extend(service("call-recording").map(|s| (*id, s)));
        }
    }
    lines::enable_services_many(&mut tx, &permit, &pairs, None).await?;
    let made = DemoCounts {
        departments: dept_ids.len() as i64,
        employees: employee_ids.len() as i64,
        lines: line_ids.len() as i64,
        services: pairs.len() as i64,
    };
    audit::append(
        &mut tx,
        &permit,
        &AuditEvent::DemoCreated { company_id, made },
    )
    .await?;
    tx.commit().await?;
    // Fresh statistics, so the planner knows the new data from the first query.
    sqlx::query("ANALYZE").execute(&db.pool).await?;
    Ok(Demo {
        company_id,
        created: true,
        lines: line_ids.len(),
        employees: employee_ids.len(),
    })
}
