//! The simulation's bar on students the learner was never tuned on: the planner reaches the goal
//! in less practice than the fixed and random curricula, its estimates beat the level's prior,
//! and it gives fewer sessions far above or below the student. Figures for the full runs are in
//! docs/LEARNER.md (`fretwise bench learner-sim`).

use fretwise_knowledge::Ontology;
use fretwise_learner::sim::{Policy, SimConfig, run};

#[test]
fn the_planner_beats_fixed_and_random_curricula_on_held_out_students() {
    let ontology = Ontology::builtin();
    let cfg = SimConfig::default();
    // The held-out students of docs/LEARNER.md (tuning used seeds 1–60 and 10,001–10,018).
    let seeds = 20_001..20_061;
    let (planner, _) = run(&ontology, seeds.clone(), Policy::Planner, &cfg).unwrap();
    let (fixed, _) = run(&ontology, seeds.clone(), Policy::Fixed, &cfg).unwrap();
    let (random, _) = run(&ontology, seeds, Policy::Random, &cfg).unwrap();
    eprintln!("{planner:?}\n{fixed:?}\n{random:?}");
    assert!(
        planner.mean_minutes < fixed.mean_minutes,
        "{planner:?} vs {fixed:?}"
    );
    assert!(
        planner.mean_minutes < random.mean_minutes,
        "{planner:?} vs {random:?}"
    );
    assert!(
        planner.mastered > fixed.mastered,
        "{planner:?} vs {fixed:?}"
    );
    assert!(
        planner.off_level_rate < fixed.off_level_rate,
        "{planner:?} vs {fixed:?}"
    );
    assert!(planner.estimate_rmse < planner.prior_rmse, "{planner:?}");
    assert!(
        planner.off_level_rate < random.off_level_rate,
        "{planner:?} vs {random:?}"
    );
}

#[test]
fn the_simulation_is_reproducible() {
    let ontology = Ontology::builtin();
    let cfg = SimConfig::default();
    let a = fretwise_learner::sim::run_student(&ontology, 7, Policy::Planner, &cfg).unwrap();
    let b = fretwise_learner::sim::run_student(&ontology, 7, Policy::Planner, &cfg).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}
