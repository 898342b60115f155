//! A stand-in for the operator's BSS on a loopback port: answers with the status it is told
//! to (or refuses the numbers it is told to), after a delay if asked, and keeps what it
//! heard: every call, the changes it made (once per idempotency key, as a real BSS does), and
//! the most calls it had at once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};

#[derive(Default)]
pub struct Heard {
    /// Answer with this status (0: 200).
    pub answer: AtomicU16,
    /// Refuse these numbers (as stored, `+7…`) with a 422.
    pub refuse: Mutex<HashSet<String>>,
    /// Wait this long before answering.
    pub delay_ms: AtomicU64,
    pub calls: AtomicUsize,
    /// Each call's `x-api-key` and body.
    pub seen: Mutex<Vec<(String, serde_json::Value)>>,
    /// The changes made: idempotency key → how many times a call under it was applied.
    pub applied: Mutex<HashMap<String, usize>>,
    in_flight: AtomicUsize,
    pub most_at_once: AtomicUsize,
}

pub struct Bss {
    pub url: String,
    pub heard: Arc<Heard>,
}

impl Bss {
    pub fn answer(&self, status: u16) {
        self.heard.answer.store(status, Ordering::SeqCst);
    }

    pub fn calls(&self) -> usize {
        self.heard.calls.load(Ordering::SeqCst)
    }

    pub fn most_at_once(&self) -> usize {
        self.heard.most_at_once.load(Ordering::SeqCst)
    }

    /// The numbers of the changes made, with how many times each key was made (always 1).
    pub fn applied_keys(&self) -> HashMap<String, usize> {
        self.heard.applied.lock().expect("lock").clone()
    }
}

async fn change(
    heard: web::Data<Heard>,
    req: actix_web::HttpRequest,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    heard.calls.fetch_add(1, Ordering::SeqCst);
    let now = heard.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    heard.most_at_once.fetch_max(now, Ordering::SeqCst);
    let delay = heard.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let body = body.into_inner();
    let number = body["msisdn"].as_str().unwrap_or("").to_owned();
    heard
        .seen
        .lock()
        .expect("lock")
        .push((header("x-api-key"), body));
    let refused = heard.refuse.lock().expect("lock").contains(&number);
    let status = match heard.answer.load(Ordering::SeqCst) {
        0 if refused => 422,
        0 => 200,
        s => s,
    };
    if status == 200 {
        *heard
            .applied
            .lock()
            .expect("lock")
            .entry(header("idempotency-key"))
            .or_default() += 1;
    }
    heard.in_flight.fetch_sub(1, Ordering::SeqCst);
    let status = actix_web::http::StatusCode::from_u16(status).expect("status");
    HttpResponse::build(status).body(if refused {
        "номер заблокирован в BSS"
    } else {
        "stub answer"
    })
}

pub async fn stub_bss() -> Bss {
    let heard = web::Data::new(Heard::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shared = heard.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/changes", web::post().to(change))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    Bss {
        url,
        heard: heard.into_inner(),
    }
}
