fn main() {
    let pws = [
        "",
        "a",
        "password",
        "P@ssw0rd",
        "qwerty",
        "qwertyuiop",
        "zxcvbn",
        "1qaz2wsx",
        "abcabcabc",
        "aaaaaaaa",
        "mario1985",
        "12/03/1985",
        "Tr0ub4dor&3",
        "correcthorsebatterystaple",
        "correct horse battery staple",
        "fiume violino tramonto",
        "ciaociao",
        "juventus",
        "Juventus1897!",
        "Passw0rd!2026",
        "kjh4$9Lm",
        "x7#Kq9!zR2@v",
        "ilovemydog",
        "amore123",
        "ragazza",
        "tiamo",
        "1234567890",
        "9876543",
        "Password123",
        "dragon2020",
    ];
    for p in pws {
        let ours = varco::policy::strength::estimate(p, &[]);
        let z = zxcvbn::zxcvbn(p, &[]);
        println!(
            "{:32} ours {} {:5.2} | zxcvbn {} {:5.2} | {:?}",
            p,
            ours.score(),
            ours.guesses_log10(),
            u8::from(z.score()),
            z.guesses_log10(),
            ours.feedback().warning
        );
    }
}
