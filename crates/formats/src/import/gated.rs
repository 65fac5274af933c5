//! Gated networks (GRU, LSTM) from weights in Keras' layout and names, as the npz and JSON
//! exports write them (`crate::export::keras`): `kernel (inputs, G·N)`,
//! `recurrent_kernel (N, G·N)`, `bias (G·N)` or `(2, 3N)`, `dense_kernel (N, outputs)`,
//! `dense_bias (outputs)`. Shapes are checked against the architecture before anything is
//! transposed into the lab's layout.

use super::{check_finite, transpose, ImportError};
use flipflop_core::model::{ModelConfig, Network};

/// One tensor as read: its shape and row-major values.
pub(super) type Tensor = (Vec<usize>, Vec<f32>);

/// The five tensors in the order `kernel`, `recurrent_kernel`, `bias` (absent: zeros),
/// `dense_kernel`, `dense_bias`.
pub(super) struct KerasTensors {
    pub kernel: Tensor,
    pub recurrent_kernel: Tensor,
    pub bias: Option<Tensor>,
    pub dense_kernel: Tensor,
    pub dense_bias: Tensor,
}

fn want(name: &str, t: Tensor, shape: Vec<usize>) -> Result<Vec<f32>, ImportError> {
    if t.0 != shape || t.1.len() != shape.iter().product::<usize>() {
        return Err(ImportError::Shape {
            tensor: name.into(),
            expected: shape,
            found: t.0,
        });
    }
    check_finite(name, &t.1)?;
    Ok(t.1)
}

/// Builds the network of architecture `model` (a gated cell, validated) from Keras-layout
/// tensors.
///
/// # Errors
/// [`ImportError::Shape`] for a tensor whose shape is not the architecture's,
/// [`ImportError::NonFinite`] for a NaN or infinite weight, [`ImportError::Unsupported`] for a
/// non-zero bias in a model without one.
pub(super) fn network(model: &ModelConfig, t: KerasTensors) -> Result<Network, ImportError> {
    let (n, g, ki, ko) = (
        model.hidden,
        model.gate_rows(),
        model.inputs(),
        model.outputs(),
    );
    let bias_shape = if model.bias_len() == g {
        vec![g]
    } else {
        vec![2, g]
    };
    let kernel = want("kernel", t.kernel, vec![ki, g])?;
    let recurrent = want("recurrent_kernel", t.recurrent_kernel, vec![n, g])?;
    let b_rec = match t.bias {
        Some(b) => want("bias", b, bias_shape)?,
        None => vec![0.0; model.bias_len()],
    };
    let dense = want("dense_kernel", t.dense_kernel, vec![n, ko])?;
    let b_out = want("dense_bias", t.dense_bias, vec![ko])?;
    if !model.rec_bias && b_rec.iter().any(|b| *b != 0.0) {
        return Err(ImportError::Unsupported(
            "bias is non-zero but the model has no recurrent bias (rec_bias false)".into(),
        ));
    }
    Ok(Network {
        config: model.clone(),
        w_in: transpose(&kernel, ki, g),
        w_rec: transpose(&recurrent, n, g),
        b_rec,
        w_out: transpose(&dense, n, ko),
        b_out,
    })
}
