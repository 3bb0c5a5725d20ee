#include "accounts/messages.h"

#include <utility>

namespace yz::accounts {
namespace {

bool English(std::string_view lang) { return lang.starts_with("en"); }

}  // namespace

Message MakeMessage(std::string_view account, std::string_view to, std::string subject,
                    std::string body, std::string code) {
  Message m;
  m.account = std::string(account);
  m.to = std::string(to);
  m.subject = std::move(subject);
  m.body = std::move(body);
  m.code = std::move(code);
  return m;
}

Message CodeMessage(std::string_view account, std::string_view to, std::string_view purpose,
                    const std::string& code, std::string_view lang) {
  const bool en = English(lang);
  std::string subject, body;
  if (purpose == "verify") {
    subject = en ? "Your Yongzhou Industrial Cloud verification code" : "永州工业云验证码";
    body = en ? "Your verification code is " + code + ". It expires in 10 minutes."
              : "您的验证码是 " + code + "，10 分钟内有效。";
  } else if (purpose == "reset") {
    subject = en ? "Reset your Yongzhou Industrial Cloud password" : "重置永州工业云密码";
    body = en ? "Your password reset code is " + code +
                    ". It expires in 10 minutes. If you "
                    "did not ask for it, ignore this message."
              : "您的密码重置验证码是 " + code + "，10 分钟内有效。如非本人操作，请忽略。";
  } else {
    subject = en ? "Report misuse of your account" : "报告账号被他人使用";
    body = en ? "Your code to report misuse of your account is " + code + "."
              : "您用于报告账号被他人使用的验证码是 " + code + "。";
  }
  return MakeMessage(account, to, std::move(subject), std::move(body), code);
}

Message LoginChangeCodeMessage(std::string_view account, std::string_view to,
                               const std::string& code, std::string_view lang) {
  const bool en = English(lang);
  return MakeMessage(
      account, to, en ? "Confirm your new login" : "确认新的登录手机号或邮箱",
      en ? "Your code to make this your Yongzhou Industrial Cloud login is " + code + "."
         : "将此手机号或邮箱设为永州工业云登录账号的验证码是 " + code + "。",
      code);
}

Message GuardianMessage(std::string_view account, std::string_view to,
                        const std::string& child_name, const std::string& link,
                        const std::string& token) {
  return MakeMessage(
      account, to, "永州工业云：请确认是否同意 / Please confirm your consent",
      "“" + child_name +
          "”在永州工业云注册了账号，并填写您为其监护人。请打开以下链接查看并确认是否同意：\n" +
          link + "\n\n" + "\"" + child_name +
          "\" registered an account on Yongzhou Industrial Cloud and named you as their parent "
          "or guardian. Open this link to review and confirm your consent:\n" +
          link,
      token);
}

Message MisuseNotice(std::string_view account, std::string_view to) {
  return MakeMessage(account, to, "永州工业云账号安全通知 / Account security notice",
                     "您报告了账号被他人使用：所有登录已被退出，请重置密码后再登录。\n"
                     "You reported that someone else used your account: every session was "
                     "ended. Reset your password to log in again.",
                     "");
}

}  // namespace yz::accounts
