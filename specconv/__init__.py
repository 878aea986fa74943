"""specconv: spectral and long-convolution operators of sequence models, in pure array API code.

Every function runs on the namespace of its array arguments (NumPy, CuPy, PyTorch, JAX, Dask,
array-api-strict) and has a definition-level twin that the tests compare against. See
``specconv.testing`` for the tolerance policy and ``python -m specconv check`` for the golden
vectors.
"""

from specconv import testing
from specconv.attention import (
    elu_feature_map,
    favor_features,
    linear_attention,
    linear_attention_step,
    random_features,
    softmax_attention,
)
from specconv.conv import (
    causal_conv,
    circular_conv,
    conv_plan,
    toeplitz,
    toeplitz_matmul,
)
from specconv.fftnet import (
    FFTNetParams,
    fftnet_init,
    fftnet_mixer,
    modrelu,
    spectral_filter,
)
from specconv.fourier import (
    bit_reversal_permutation,
    butterfly_apply,
    butterfly_factors,
    dft,
    dft_matrix,
    fft,
    fwht,
    idft,
    ifft,
    irfft,
    rfft,
)
from specconv.operators import (
    GSSParams,
    H3Params,
    HyenaParams,
    gss,
    gss_init,
    gss_reference,
    h3,
    h3_init,
    h3_reference,
    hyena,
    hyena_init,
    hyena_reference,
)
from specconv.rpe import (
    kernelized_rpe_attention,
)
from specconv.ssm import (
    discretize,
    hippo,
    hippo_dplr,
    s4_kernel,
    s4d_init,
    s4d_kernel,
    ssm_kernel,
    ssm_scan,
)

__version__ = "0.1.0"

__all__ = [
    "FFTNetParams",
    "GSSParams",
    "H3Params",
    "HyenaParams",
    "__version__",
    "bit_reversal_permutation",
    "butterfly_apply",
    "butterfly_factors",
    "causal_conv",
    "circular_conv",
    "conv_plan",
    "dft",
    "dft_matrix",
    "discretize",
    "elu_feature_map",
    "favor_features",
    "fft",
    "fftnet_init",
    "fftnet_mixer",
    "fwht",
    "gss",
    "gss_init",
    "gss_reference",
    "h3",
    "h3_init",
    "h3_reference",
    "hippo",
    "hippo_dplr",
    "hyena",
    "hyena_init",
    "hyena_reference",
    "idft",
    "ifft",
    "irfft",
    "kernelized_rpe_attention",
    "linear_attention",
    "linear_attention_step",
    "modrelu",
    "random_features",
    "rfft",
    "s4_kernel",
    "s4d_init",
    "s4d_kernel",
    "softmax_attention",
    "spectral_filter",
    "ssm_kernel",
    "ssm_scan",
    "testing",
    "toeplitz",
    "toeplitz_matmul",
]
