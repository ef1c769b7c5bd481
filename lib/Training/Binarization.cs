namespace VaeCourse.Training;

/// <summary>
/// How the trainer turns grey levels in [0, 1] into binary pixels (<see cref="TrainerOptions.Binarization"/>).
/// Binary data makes a <see cref="Model.BernoulliLikelihood"/> a true probability, so its ELBO and importance-weighted
/// bounds are log-likelihoods comparable with the literature's, which reports them on binarized MNIST.
/// </summary>
public enum Binarization
{
    /// <summary>Train on the grey levels as given.</summary>
    None,

    /// <summary>
    /// Dynamic binarization: every epoch each training image is drawn afresh, pixel d being 1 with probability its
    /// grey level x_d (the stochastic binarization of Salakhutdinov and Murray 2008, redrawn at each pass as in
    /// Burda, Grosse and Salakhutdinov 2015). The model sees a new binary sample of each image every epoch, which acts
    /// as data augmentation. See <see cref="Data.ImageData.DrawBinary"/>.
    /// </summary>
    Dynamic,
}
