//! End to end, as a care manager would: `anshin demo` in a real terminal (tmux), a romaji query,
//! the detail, "reachable now", quit. tmux is required (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "demo"]).stdout)
            .into_owned()
    }

    fn wait_for(&self, what: &str, seconds: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "「{what}」 did not appear. Screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "demo"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
        // An Esc followed at once by a key reads as Alt+key: leave the terminal a moment.
        std::thread::sleep(Duration::from_millis(250));
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "demo"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn demo_search_detail_reachable_quit() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test needs tmux (apt-get install tmux)"
    );
    let home = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("anshin");
    let tmux = Tmux {
        socket: format!("anshin-test-{}", std::process::id()),
    };
    let command = format!(
        "env -u ANSHIN_CONFIG -u ANSHIN_SERVER_URL HOME={home} XDG_CONFIG_HOME={home}/config XDG_CACHE_HOME={home}/cache {bin} demo",
        home = home.path().display(),
        bin = binary.display()
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "demo",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    tmux.wait_for("オンライン", 30);

    tmux.keys(&["takahasi"]);
    let screen = tmux.wait_for("たかはし", 10);
    assert!(
        screen.contains("髙橋") || screen.contains("高橋"),
        "{screen}"
    );
    assert!(screen.contains("結果（"), "{screen}");

    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("連絡しやすい時間", 10);
    assert!(screen.contains("希望する連絡方法"), "{screen}");

    tmux.keys(&["r"]);
    tmux.wait_for("[今連絡可]", 10);
    tmux.keys(&["r"]);

    tmux.keys(&["?"]);
    tmux.wait_for("キー操作", 10);
    tmux.keys(&["Escape"]);

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(
            Instant::now() < deadline,
            "anshin did not quit on q. Screen:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
