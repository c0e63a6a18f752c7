//! Runs the learner simulation: `cargo run -p fretwise-learner --example simulate -- FROM N`
//! (seeds FROM..FROM+N; tuning used 1–60 and 10,001–10,018, held out 20,001–20,060);
//! with N = 1 it prints the one student under the planner and the fixed curriculum. `fretwise bench simulate` does the same.

use fretwise_knowledge::Ontology;
use fretwise_learner::sim::{Policy, SimConfig, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let from = args.first().copied().unwrap_or(1);
    let n = args.get(1).copied().unwrap_or(60);
    let ontology = Ontology::builtin();
    let cfg = SimConfig::default();
    if n == 1 {
        for p in [Policy::Planner, Policy::Fixed] {
            let r = fretwise_learner::sim::run_student(&ontology, from, p, &cfg)?;
            println!("{r:?}");
        }
        return Ok(());
    }
    for p in [Policy::Planner, Policy::Fixed, Policy::Random] {
        let (s, _) = run(&ontology, from..from + n, p, &cfg)?;
        println!(
            "{:<8} mastered {:>3}/{:<3} median {:>6.0} mean {:>7.1} rmse {:.2} prior {:.2} off {:.3}",
            p.as_str(),
            s.mastered,
            s.students,
            s.median_minutes,
            s.mean_minutes,
            s.estimate_rmse,
            s.prior_rmse,
            s.off_level_rate
        );
    }
    Ok(())
}
