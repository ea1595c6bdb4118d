//! `anshin`: the client for care managers.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "anshin",
    version,
    about = "あんしんリンク クライアント",
    long_about = "あんしんリンク クライアント。\n\
                  いまはサーバー側（anshin-server）だけが動きます。検索・TUI・連絡票は次の段階で追加されます。"
)]
struct Cli {}

fn main() {
    let _ = Cli::parse();
    eprintln!("anshin クライアントはまだ準備中です。サーバーのデモは `anshin-server demo` で起動できます。");
    std::process::exit(2);
}
