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
/// The job titles each department has.
fn positions(department: &str) -> &'static [&'static str] {
    match department {
        "Дирекция" => &[
            "Генеральный директор",
            "Заместитель генерального директора",
            "Помощник руководителя",
            "Юрист",
        ],
        "Коммерческий департамент" => &[
            "Коммерческий директор",
            "Руководитель направления",
            "Аналитик",
        ],
        "Отдел продаж Москва" | "Отдел продаж регионы" => &[
            "Менеджер по продажам",
            "Старший менеджер по продажам",
            "Руководитель группы продаж",
            "Региональный представитель",
        ],
        "Логистика" => &["Директор по логистике", "Специалист по логистике"],
        "Склад Москва" | "Склад Подольск" => &[
            "Кладовщик",
            "Оператор склада",
            "Водитель погрузчика",
            "Начальник склада",
        ],
        "Транспортный отдел" => &[
            "Водитель-экспедитор",
            "Диспетчер",
            "Механик",
            "Начальник транспортного отдела",
        ],
        "Финансы" => &["Финансовый директор", "Экономист", "Финансовый аналитик"],
        "Бухгалтерия" => &["Бухгалтер", "Бухгалтер по расчётам", "Главный бухгалтер"],
        "Информационные технологии" => &[
            "Системный администратор",
            "Инженер",
            "Программист",
            "Руководитель ИТ-отдела",
        ],
        _ => &[
            "Специалист по кадрам",
            "Рекрутер",
            "Руководитель службы персонала",
        ],
    }
}

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
            let department = pick_dept(&mut rng);
            let name = dept_ids
                .iter()
                .find(|(_, id)| *id == department)
                .map_or("", |(n, _)| n.as_str());
            let titles = positions(name);
            NewEmployee {
                department_id: Some(department),
                full_name: person(&mut rng),
                personnel_number: format!("{:05}", i + 1),
                position: titles[rng.random_range(0..titles.len())].to_owned(),
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

    // Services come on with the line, or on a later day up to now.
    let now = crate::store::now_ms();
    let mut pairs: Vec<(i64, i64, i64)> = Vec::new();
    for (id, (line, code)) in line_ids.iter().zip(&new_lines) {
        let activated = chrono::NaiveDate::parse_from_str(&line.activated_on, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .map_or(now, |t| t.and_utc().timestamp_millis())
            .min(now);
        let mut on = |rng: &mut StdRng, code: &str, with_line: bool| {
            let at = if with_line {
                activated
            } else {
                activated + rng.random_range(0..=(now - activated).max(0))
            };
            pairs.extend(service(code).map(|s| (*id, s, at)));
        };
        if *code == "biz-modem" {
            on(&mut rng, "static-ip", true);
            continue;
        }
        if *code == "biz-iot" {
            continue;
        }
        on(&mut rng, "caller-id", true);
        if rng.random_bool(0.35) {
            on(&mut rng, "anti-spam", false);
        }
        if rng.random_bool(0.2) {
            let extra = if rng.random_bool(0.5) {
                "extra-10gb"
            } else {
                "extra-30gb"
            };
            on(&mut rng, extra, false);
        }
        if rng.random_bool(0.1) {
            on(&mut rng, "roaming-world", false);
        } else if rng.random_bool(0.3) {
            on(&mut rng, "roaming-barred", true);
        }
        if *code != "biz-start" && rng.random_bool(0.1) {
            on(&mut rng, "call-recording", false);
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
