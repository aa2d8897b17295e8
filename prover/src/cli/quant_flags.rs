//! The quantisation flags `setup` and `dry-run` share (`docs/quantisation.md`).

use clap::Args as ClapArgs;
use zkml_prover::quant::{QuantConfig, DEFAULT_MAX_SCALE_BITS, DEFAULT_MIN_SCALE_BITS};

use super::Failure;

#[derive(ClapArgs, Debug, Clone)]
pub struct QuantFlags {
    /// Fixed-point scale exponent s (values are multiples of 2^-s): a number, or a range MIN..MAX
    /// from which the largest that keeps the calibration values in the tables is chosen.
    #[arg(long, value_name = "S|MIN..MAX", default_value_t = format!("{DEFAULT_MIN_SCALE_BITS}..{DEFAULT_MAX_SCALE_BITS}"))]
    scale_bits: String,
    /// Lookup-table bit-width B: rescaled values and ReLU inputs must satisfy |v| < 2^B. Larger
    /// tables take larger inputs and finer scales, at a cost in setup and proving time.
    #[arg(long, value_name = "B", default_value_t = zkml_prover::quant::DEFAULT_TABLE_BITS)]
    table_bits: u32,
    /// Calibration headroom h: the scale is chosen so that every value seen on the calibration
    /// samples stays below 2^-h of its bound, so inputs up to 2^h times larger still prove.
    #[arg(long, value_name = "H", default_value_t = zkml_prover::quant::DEFAULT_HEADROOM_BITS)]
    headroom_bits: u32,
}

impl QuantFlags {
    pub fn config(&self) -> Result<QuantConfig, Failure> {
        let bad = || Failure::Usage(format!("--scale-bits: {:?} is not a number or a range MIN..MAX", self.scale_bits));
        let (min, max) = match self.scale_bits.split_once("..") {
            Some((lo, hi)) => {
                (lo.trim().parse().map_err(|_| bad())?, hi.trim().trim_start_matches('=').parse().map_err(|_| bad())?)
            }
            None => {
                let s = self.scale_bits.trim().parse().map_err(|_| bad())?;
                (s, s)
            }
        };
        let config = QuantConfig {
            min_scale_bits: min,
            max_scale_bits: max,
            table_bits: self.table_bits,
            headroom_bits: self.headroom_bits,
        };
        config.check().map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(config)
    }
}
