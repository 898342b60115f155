//! What the messages say, as templates beside the pages' (`templates/sms/`): in Russian, the
//! language of the numbers they go to.

use askama::Template;

/// A one-time code for signing in.
#[derive(Template)]
#[template(path = "sms/login_code.txt")]
pub struct LoginCode<'a> {
    pub code: &'a str,
}

/// A one-time code for setting a new password.
#[derive(Template)]
#[template(path = "sms/reset_code.txt")]
pub struct ResetCode<'a> {
    pub code: &'a str,
}

/// A company opened its cabinet to someone new.
#[derive(Template)]
#[template(path = "sms/invitation.txt")]
pub struct Invitation<'a> {
    pub company: &'a str,
    /// Where to sign in with a code.
    pub url: &'a str,
}

/// A message's text; a template that fails to render (it cannot: its values are text) says
/// nothing rather than something wrong.
pub fn text(message: &impl Template) -> String {
    message.render().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_their_values() {
        assert_eq!(
            text(&LoginCode { code: "123456" }),
            "simfleet: код для входа 123456. Никому его не сообщайте."
        );
        let invitation = text(&Invitation {
            company: "ООО «Ромашка» & Co",
            url: "https://lk.example.ru/login/code",
        });
        assert!(
            invitation.contains("ООО «Ромашка» & Co открыла"),
            "not escaped: {invitation}"
        );
        assert!(invitation.ends_with("https://lk.example.ru/login/code"));
    }
}
