/** PCA of the tokens x checkpoints matrix of per-token losses: variance, loadings over training, end tokens. */
export { analysePca, type PcaComponent, type PcaOptions, type PcaSummary, type PcaToken, type PcaVariance } from './analyse.js';
export { pcaOfStore, type EndToken, type StorePca, type StorePcaOptions } from './store-pca.js';
export { componentsOf, principalComponents, SIGN_CONVENTION, type PrincipalComponents } from './components.js';
export { columnMeans, covariance, CovarianceSum } from './covariance.js';
export { symmetricEigen, type SymmetricEigen } from './eigen.js';
export { componentScores, scoreEnds, type ScoreEnds } from './scores.js';
export { selectModels, type PcaModel } from './models.js';
export { loadingsChart, varianceChart } from './charts.js';
export { pcaMarkdown, pcaOverview } from './markdown.js';
export { writePca, PCA_FILES } from './write.js';
