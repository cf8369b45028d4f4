# billflow's worker and api (the same image; the command picks the process).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# postinstall applies patches/ (a fix to postgres.js, see patches/README.md)
COPY patches ./patches
RUN npm install --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
